package overseer.core;

import java.util.Objects;

/**
 * A task: an id unique in its namespace, and the spec of its init process.
 */
public record TaskSpec(String id, ProcessSpec process) {
    public TaskSpec {
        Identifiers.require("id", id);
        Objects.requireNonNull(process, "process");
    }

    public static TaskSpec of(String id, ProcessSpec process) {
        return new TaskSpec(id, process);
    }
}
