package overseer.wire;

import overseer.core.TaskSpec;

import java.util.Objects;

/**
 * What a client asks the daemon to run: the task (process, limits, isolation) and how the daemon keeps it.
 * A plain task is a service with {@link Supervision#NONE}. {@code logs}: how much of its output the daemon
 * keeps, when not the daemon's default. This is the one typed spec from the CLI's flags
 * to the store: {@link SpecJson} is its only encoding.
 */
public record ServiceSpec(TaskSpec task, Supervision supervision, java.util.Optional<LogLimits> logs) {
    public ServiceSpec {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(supervision, "supervision");
        Objects.requireNonNull(logs, "logs");
    }

    /** With the daemon's log limits (docker's max-size and max-file). */
    public ServiceSpec(TaskSpec task, Supervision supervision) {
        this(task, supervision, java.util.Optional.empty());
    }

    public static ServiceSpec of(TaskSpec task) {
        return new ServiceSpec(task, Supervision.NONE);
    }

    public String id() {
        return task.id();
    }

    public ServiceSpec withTask(TaskSpec t) {
        return new ServiceSpec(t, supervision, logs);
    }

    /** This task's own log limits instead of the daemon's. */
    public ServiceSpec withLogs(LogLimits l) {
        return new ServiceSpec(task, supervision, java.util.Optional.of(l));
    }
}
