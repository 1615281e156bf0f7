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
    /** A task as last recorded. {@code spec} is the API's JSON of its TaskSpec; {@code runtime} names its runtime. */
    record TaskRecord(String namespace, String id, String runtime, String spec, Status status, long pid,
                      long startTime, Optional<Exit> exit, Instant createdAt) {
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

    /** Records how a process of the task ended; {@code execId} equals the task id for its init process. */
    void exited(String namespace, String id, String execId, Exit exit);

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
