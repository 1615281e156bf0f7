package overseer.core;

import java.util.Objects;
import java.util.Optional;

/**
 * A task: an id unique in its namespace, the spec of its init process, and the limits of all its
 * processes.
 *
 * @param id           the task id (containerd's identifier rule)
 * @param process      its init process
 * @param resources    limits applied before the init process runs its first instruction
 * @param profiles     Lambda's throttled / unthrottled cgroup profiles, if the task uses freeze and thaw
 * @param startProfile the profile applied at start over {@code resources}
 * @param isolation    how an isolating runtime (OCI) fences the task off; its default when empty. Host
 *                     runtimes refuse a task that asks for isolation.
 */
public record TaskSpec(String id, ProcessSpec process, Resources resources, Optional<CgroupProfiles> profiles,
                       Optional<CgroupProfiles.Name> startProfile, Optional<Isolation> isolation) {
    public TaskSpec {
        Identifiers.require("id", id);
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(profiles, "profiles");
        Objects.requireNonNull(startProfile, "startProfile");
        Objects.requireNonNull(isolation, "isolation");
        if (startProfile.isPresent() && profiles.isEmpty()) {
            throw OverseerException.invalidField("startProfile", "\"%s\" is set but no cgroup profiles are configured",
                    startProfile.get().word());
        }
    }

    public static TaskSpec of(String id, ProcessSpec process) {
        return new TaskSpec(id, process, Resources.NONE, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public TaskSpec withProcess(ProcessSpec p) {
        return new TaskSpec(id, p, resources, profiles, startProfile, isolation);
    }

    public TaskSpec withResources(Resources r) {
        return new TaskSpec(id, process, r, profiles, startProfile, isolation);
    }

    public TaskSpec withProfiles(CgroupProfiles p, Optional<CgroupProfiles.Name> start) {
        return new TaskSpec(id, process, resources, Optional.of(p), start, isolation);
    }

    public TaskSpec withIsolation(Isolation iso) {
        return new TaskSpec(id, process, resources, profiles, startProfile, Optional.of(iso));
    }

    /** Whether the task asks for limits of any kind, so that it needs a runtime with feature RESOURCES. */
    public boolean hasLimits() {
        return !resources.isEmpty() || profiles.isPresent();
    }

    /**
     * The limits the task starts with: {@code resources} with the start profile's limits over them (a
     * profile sets cpu and memory; what it leaves out, such as a pids limit, comes from {@code resources}).
     */
    public Resources startResources() {
        return startProfile.map(n -> resources.merge(profiles.orElseThrow().get(n))).orElse(resources);
    }
}
