package overseer.core;

import java.util.List;

/**
 * A task: its init process (this object) plus processes exec'd into it. containerd's Task.
 */
public interface Task extends Process {
    /** Stops every process of the task from running: Running to Pausing to Paused. */
    void pause();

    /** Paused to Running. */
    void resume();

    /** Adds a process to the running task; the id is unique within the task (Lambda's (domain, name)). */
    Process exec(String execId, ProcessSpec spec);

    /** The exec'd process with that id; NOT_FOUND if there is none. */
    Process process(String execId);

    /** The exec'd processes, not deleted yet. */
    List<Process> execs();

    /** Every live process of the task. */
    List<ProcessInfo> pids();
}
