package overseer.core.spi;

import overseer.core.CycleDeltaMetrics;
import overseer.core.OverseerException;
import overseer.core.ProcessInfo;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.TaskStats;

import java.util.List;

/**
 * A task as a runtime controls it: its init process plus the task-wide operations. The optional ones have
 * defaults that refuse; core only calls them when the runtime claims the matching {@link TaskRuntime.Feature}.
 */
public interface RuntimeTask extends RuntimeProcess {
    /** Prepares an extra process to run in the task, started later through its own {@code start}. */
    RuntimeProcess exec(String execId, ProcessSpec spec, ProcessOutput output);

    /** Stops every process of the task from running (feature PAUSE). */
    void pause();

    /** Lets the processes of a paused task run again (feature PAUSE). */
    void resume();

    /** Every live process of the task (feature PIDS). */
    List<ProcessInfo> pids();

    /**
     * Makes {@code resources} the task's limits (feature RESOURCES). Core passes the whole set, already
     * merged with what was in force; before the start it replaces the limits the task will start with.
     */
    default void update(Resources resources) {
        throw OverseerException.unavailable("update is not supported by this runtime");
    }

    /** What the task and each of its processes use now (feature STATS). */
    default TaskStats stats() {
        throw OverseerException.unavailable("stats is not supported by this runtime");
    }

    /**
     * Begins a new metrics cycle now (feature FREEZER). A cycle also begins when the task starts; core calls
     * this after a thaw.
     */
    default void startCycle() {
        throw OverseerException.unavailable("freeze and thaw are not supported by this runtime");
    }

    /** What the task consumed since its cycle began (feature FREEZER). */
    default CycleDeltaMetrics cycleMetrics() {
        throw OverseerException.unavailable("freeze and thaw are not supported by this runtime");
    }

    /**
     * Registers the one listener told about every process of the task the OOM killer ends, once per kill.
     * A runtime that sets {@link overseer.core.Exit#oomKilled()} calls it before it reports that exit, so
     * /tasks/oom comes before /tasks/exit. Runtimes that cannot see OOM kills ignore it.
     */
    default void onOom(Runnable listener) {
    }

    /**
     * containerd's Checkpoint: writes a criu image of the running task to {@code image}; with
     * {@code leaveRunning} the task goes on, else it stops (feature CHECKPOINT).
     */
    default void checkpoint(java.nio.file.Path image, boolean leaveRunning) {
        throw overseer.core.OverseerException.unavailable("checkpoint is not supported by this runtime");
    }

}
