package overseer.linux;

/**
 * A process's start time as the kernel counts it (clock ticks since boot, /proc/PID/stat field 22), read by
 * the one /proc reader ({@link ProcFs}): with the pid it names one process for good, since a recycled pid
 * has another start time. What a runtime records so that a later Overseer never takes a stranger for a task.
 */
public final class ProcessStart {
    private ProcessStart() {
    }

    /** The start time of the live process {@code pid}; 0 when there is none (gone, or a zombie). */
    public static long of(long pid) {
        return pid <= 0 ? 0 : ProcFs.startTime(pid).orElse(0);
    }
}
