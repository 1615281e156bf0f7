package overseer.server;

import overseer.core.OverseerException;

import java.time.Instant;

/**
 * What the daemon does at start with a task it finds on the host (a cgroup under its parent that holds
 * processes, a container in its state directory) that its store does not know: a task an earlier daemon
 * started whose record was lost (a deleted WAL, a store restored from a backup). STOP by default, as
 * systemd stops what is left in a unit's cgroup and containerd's cleanup deletes a shim's containers it has
 * no record of: nothing runs that nobody accounts for.
 */
public enum Orphans {
    /** Kill it and remove its cgroups, runtime state and files. */
    STOP,
    /** Record it as a task (its spec as far as the host tells it) and take it back, as after a restart. */
    ADOPT;

    /** {@code stop} or {@code adopt}; INVALID_ARGUMENT naming {@code field} otherwise. */
    public static Orphans parse(String field, String value) {
        return switch (value) {
            case "stop" -> STOP;
            case "adopt" -> ADOPT;
            default -> throw OverseerException.invalidField(field, "expected stop or adopt, got \"%s\"", value);
        };
    }

    /** One task found at start that the store did not know, and what was done with it ("stopped", "adopted", or why not). */
    record Found(String namespace, String id, long pid, String where, String action, Instant foundAt) {
    }
}
