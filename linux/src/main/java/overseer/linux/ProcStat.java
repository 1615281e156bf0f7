package overseer.linux;

/**
 * What other modules read of /proc/PID/stat, through the one reader ({@link ProcFs}). Above all a process's
 * start time as the kernel counts it (clock ticks since boot, field 22): with the pid it names one process
 * for good, since a recycled pid has another start time. What a runtime records so that a later Overseer
 * never takes a stranger for a task.
 */
public final class ProcStat {
    private ProcStat() {
    }

    /** The start time of the live process {@code pid}; 0 when there is none (gone, or a zombie). */
    public static long startTime(long pid) {
        return pid <= 0 ? 0 : ProcFs.startTime(pid).orElse(0);
    }

    /**
     * CPU time of this JVM and of every child it has reaped, in clock ticks as /proc/stat counts the machine's
     * (what a benchmark counts as its own).
     */
    public static long selfCpuTicksWithReapedChildren() {
        return ProcFs.cpuTicksWithReapedChildren(ProcessHandle.current().pid());
    }
}
