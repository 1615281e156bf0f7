package overseer.core.spi;

import overseer.core.Exit;
import overseer.core.Status;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable state of the daemon: tasks with their specs, every status transition, exits, and job results.
 * Callers write a change here before they act on it, so that after a crash the store says what was
 * intended and recovery can reconcile it with what is running. Implementations are thread-safe.
 */
public interface StateStore extends AutoCloseable {
    /**
     * A task as last recorded. {@code spec} is the versioned encoding of its typed spec (overseer-wire's
     * SpecJson); {@code runtime} names its runtime; {@code service} is what its supervision has done so far.
     */
    record TaskRecord(String namespace, String id, String runtime, String spec, Status status, long pid,
                      long startTime, Optional<Exit> exit, Instant createdAt, ServiceState service) {
        public TaskRecord {
            java.util.Objects.requireNonNull(service, "service");
        }

        /** A task that has not been restarted. */
        public TaskRecord(String namespace, String id, String runtime, String spec, Status status, long pid,
                          long startTime, Optional<Exit> exit, Instant createdAt) {
            this(namespace, id, runtime, spec, status, pid, startTime, exit, createdAt, ServiceState.NEW);
        }
    }

    /**
     * What a task's restart policy has done: how many times it was restarted, whether an operator stopped
     * it (so that no policy starts it again), and why it failed for good (a start limit hit), if it did.
     */
    record ServiceState(int restarts, boolean operatorStopped, Optional<String> failure) {
        public static final ServiceState NEW = new ServiceState(0, false, Optional.empty());

        public ServiceState {
            java.util.Objects.requireNonNull(failure, "failure");
        }
    }

    /** One status change of a task. */
    record Transition(String namespace, String id, Status status, long pid, Instant at) {
    }

    /** The version of the schema this store runs. */
    int schemaVersion();

    /** Records a new task; ALREADY_EXISTS when (namespace, id) is recorded already. */
    void createTask(TaskRecord task);

    /**
     * Records a status change. {@code startTime} identifies the process beyond its pid (the kernel's start
     * time in clock ticks, /proc/PID/stat field 22), so that recovery never adopts a recycled pid.
     * NOT_FOUND when the task is not recorded.
     */
    void transition(String namespace, String id, Status status, long pid, long startTime, Instant at);

    /**
     * Records the pid and start time of the task's init process once it is spawned. The status is left as
     * it is: RUNNING as recorded before the spawn, or STOPPED if its exit was recorded meanwhile.
     */
    void started(String namespace, String id, long pid, long startTime, Instant at);

    /**
     * Records how a process of the task ended; {@code execId} equals the task id for its init process, whose
     * exit also makes the task STOPPED, in the same write. An exit is written once: when one is recorded for
     * the process already, it stands (its time is never rewritten) and this returns false.
     */
    boolean exited(String namespace, String id, String execId, Exit exit);

    /** Replaces the task's spec (after an update of its limits), so that a restart restores what is in force. */
    void spec(String namespace, String id, String spec);

    /** Records what the task's supervision did. NOT_FOUND when the task is not recorded. */
    void service(String namespace, String id, ServiceState state);

    /**
     * Before a restart, in one write: the init process's last exit moves to the task's past runs, the task
     * is CREATED again, and its supervision state becomes {@code state}.
     */
    void restarting(String namespace, String id, ServiceState state, Instant at);

    /** The exits of the task's earlier runs, newest first, at most {@code limit}. */
    List<Exit> pastExits(String namespace, String id, int limit);

    /**
     * The highest event number any daemon on this store may have published: a new daemon numbers its events
     * after it, so that a client resuming with ?since=N misses nothing across a restart.
     */
    long eventSequence();

    /** Raises {@link #eventSequence()} to {@code reserved} (never lowers it). */
    void reserveEvents(long reserved);

    Optional<TaskRecord> task(String namespace, String id);

    /** Every task not deleted, by namespace then id. */
    List<TaskRecord> tasks();

    /** The task's transitions, oldest first. */
    List<Transition> history(String namespace, String id);

    /** Forgets a deleted task (its history goes too). */
    void deleteTask(String namespace, String id);

    /** Records a job's final result (0-core's JobResult as JSON), replacing an earlier one with the id. */
    void jobResult(String jobId, String resultJson, Instant at);

    Optional<String> jobResult(String jobId);

    @Override
    void close();
}
