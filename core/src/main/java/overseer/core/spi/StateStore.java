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
     * Records, just before the spawn, that the task is about to run: RUNNING with pid 0, so that recovery
     * after a crash between the spawn and {@link #started} knows a process may exist. This write needs to
     * survive a crash of the daemon, not of the machine: a machine that goes down takes the process with it.
     * So a store may skip waiting for the disk here; {@code started}, which follows, is durable and makes
     * this one durable with it.
     */
    default void starting(String namespace, String id, Instant at) {
        transition(namespace, id, Status.RUNNING, 0, 0, at);
    }

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

    /**
     * A delete the daemon began and the runtime has not finished (it removes a container's state and cgroups
     * in the background): recorded with the task's runtime and spec, so that a daemon stopped or killed
     * meanwhile leaves its successor what to remove.
     */
    record PendingDelete(String namespace, String id, String runtime, String spec, Instant requestedAt) {
    }

    /**
     * Before a task is deleted: records that its runtime's side must go, with the task's runtime and spec
     * as recorded (replacing an earlier pending delete of the name). NOT_FOUND when the task is not recorded.
     */
    void deleteRequested(String namespace, String id, Instant at);

    /**
     * The runtime removed everything of the deleted task: the pending delete requested at {@code requestedAt}
     * is forgotten (a later one of the name stays). Nothing when there is none.
     */
    void deleteFinished(String namespace, String id, Instant requestedAt);

    /** Every delete requested and not finished, oldest first. */
    List<PendingDelete> pendingDeletes();

    /**
     * Records a job's final result (0-core's JobResult as JSON), replacing an earlier one with the id. In the
     * same write the job's record ({@link #createJob}) is forgotten: a job that ended is never taken back.
     */
    void jobResult(String jobId, String resultJson, Instant at);

    Optional<String> jobResult(String jobId);

    /**
     * A job the daemon runs, as it was submitted, so that a new daemon takes it back: {@code command} is
     * 0-core's Command JSON as given (for a slice's job, empty: the slice's YAML has it), {@code seq} its
     * submission order (rising), {@code queue} its queue ("" for none), {@code slice} the slice it belongs to.
     */
    record JobRecord(long seq, String id, String queue, String command, Optional<String> slice, JobRun run,
                     Instant submittedAt) {
        public JobRecord {
            java.util.Objects.requireNonNull(slice, "slice");
            java.util.Objects.requireNonNull(run, "run");
        }
    }

    /**
     * Where a job stands: the pid and start time (clock ticks since boot, /proc/PID/stat field 22) of its run
     * in progress, 0 when none; when that run started (its max_time counts from there); the restarts its
     * policy has made and the runs made after the first (restarts and recurring runs); when its next run is
     * due, if one is armed (a restart's backoff or the recurring period).
     */
    record JobRun(long pid, long startTime, Instant startedAt, int restarts, int resurrections,
                  Optional<Instant> nextRunAt) {
        /** A job that has not run yet (queued). */
        public static final JobRun NONE = new JobRun(0, 0, Instant.EPOCH, 0, 0, Optional.empty());

        public JobRun {
            java.util.Objects.requireNonNull(startedAt, "startedAt");
            java.util.Objects.requireNonNull(nextRunAt, "nextRunAt");
        }
    }

    /** Records a submitted job, after every job recorded so far; ALREADY_EXISTS when the id is recorded already. */
    JobRecord createJob(String id, String queue, String command, Optional<String> slice, Instant at);

    /** Records where the job stands now. NOT_FOUND when the job is not recorded (it ended, or was never recorded). */
    void jobRun(String id, JobRun run);

    /** Forgets a job without a result (a slice's job that will not be taken back). Nothing when it is not recorded. */
    void forgetJob(String id);

    /** Every recorded job, in submission order. */
    List<JobRecord> jobs();

    /** A slice the daemon runs: its name and its YAML as given. */
    record SliceRecord(String name, String yaml, Instant createdAt) {
    }

    /** Records a started slice; ALREADY_EXISTS when one of that name is recorded. */
    void createSlice(String name, String yaml, Instant at);

    /** Forgets a deleted slice, and in the same write the records of its jobs. Nothing when it is not recorded. */
    void deleteSlice(String name);

    /** Every recorded slice, in the order they were created. */
    List<SliceRecord> slices();

    @Override
    void close();
}
