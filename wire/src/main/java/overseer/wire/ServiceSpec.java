package overseer.wire;

import overseer.core.TaskSpec;

import java.util.Objects;

/**
 * What a client asks the daemon to run: the task (process, limits, isolation) and how the daemon keeps it.
 * A plain task is a service with {@link Supervision#NONE}. This is the one typed spec from the CLI's flags
 * to the store: {@link SpecJson} is its only encoding.
 */
public record ServiceSpec(TaskSpec task, Supervision supervision) {
    public ServiceSpec {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(supervision, "supervision");
    }

    public static ServiceSpec of(TaskSpec task) {
        return new ServiceSpec(task, Supervision.NONE);
    }

    public String id() {
        return task.id();
    }

    public ServiceSpec withTask(TaskSpec t) {
        return new ServiceSpec(t, supervision);
    }
}
