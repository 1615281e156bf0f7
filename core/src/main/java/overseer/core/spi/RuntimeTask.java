package overseer.core.spi;

import overseer.core.ProcessInfo;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;

import java.util.List;

/** A task as a runtime controls it: its init process plus the task-wide operations. */
public interface RuntimeTask extends RuntimeProcess {
    /** Prepares an extra process to run in the task, started later through its own {@code start}. */
    RuntimeProcess exec(String execId, ProcessSpec spec, ProcessOutput output);

    /** Stops every process of the task from running (feature PAUSE). */
    void pause();

    /** Lets the processes of a paused task run again (feature PAUSE). */
    void resume();

    /** Every live process of the task (feature PIDS). */
    List<ProcessInfo> pids();
}
