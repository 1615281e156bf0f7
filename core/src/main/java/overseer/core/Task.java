package overseer.core;

import java.time.Duration;
import java.util.List;

/**
 * A task: its init process (this object) plus processes exec'd into it. containerd's Task, with Lambda's
 * Freeze / Thaw / Stop on top.
 */
public interface Task extends TaskProcess {
    /** Stops every process of the task from running: Running to Pausing to Paused. */
    void pause();

    /** Paused to Running. */
    void resume();

    /** Adds a process to the running task; the id is unique within the task (Lambda's (domain, name)). */
    TaskProcess exec(String execId, ProcessSpec spec);

    /** The exec'd process with that id; NOT_FOUND if there is none. */
    TaskProcess process(String execId);

    /** The exec'd processes, not deleted yet. */
    List<TaskProcess> execs();

    /** Every live process of the task. */
    List<ProcessInfo> pids();

    /** The limits in force (or, before the start, the limits the task will start with). */
    Resources resources();

    /**
     * containerd's Update: every limit set in {@code update} replaces the one in force, the others stay.
     * Legal before the start and while the task runs or is paused. Feature RESOURCES.
     */
    void update(Resources update);

    /** containerd's Stats: what the task and each of its processes use now. Feature STATS. */
    TaskStats stats();

    /**
     * Lambda's Freeze: pauses the task (Pausing, then Paused, /tasks/paused) and returns what it consumed in
     * the cycle that began at its start or last thaw. Feature FREEZER.
     */
    CycleDeltaMetrics freeze();

    /**
     * Lambda's Thaw: applies the throttled cgroup profile (always that one, whatever the start profile
     * was), then resumes the task (/tasks/resumed); a new cycle begins. Feature FREEZER.
     */
    void thaw();

    /**
     * Lambda's Stop: a paused task is resumed so that it can handle {@code stopSignal} (its last cycle then
     * begins there), then {@link #shutdown(Signal, Duration)}; returns the metrics of the last cycle, read
     * once the task has exited. Feature FREEZER.
     */
    CycleDeltaMetrics stop(Signal stopSignal, Duration grace) throws InterruptedException;

    /**
     * containerd's Checkpoint: a criu image of the running task in {@code image}, then /tasks/checkpointed;
     * with {@code leaveRunning} the task goes on. Feature CHECKPOINT.
     */
    void checkpoint(java.nio.file.Path image, boolean leaveRunning);

}
