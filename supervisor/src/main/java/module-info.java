/** 0-core's process manager and vic's sessions on top of the task core; slices read from YAML. */
module overseer.supervisor {
    requires transitive overseer.core;
    requires transitive tools.jackson.databind;
    requires tools.jackson.dataformat.yaml;
    requires com.fasterxml.jackson.annotation; // Jackson 3 keeps the 2.x annotations (JobResult's @JsonIgnore)

    exports overseer.supervisor;
    opens overseer.supervisor to tools.jackson.databind;
}
