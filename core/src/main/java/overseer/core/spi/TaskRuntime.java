package overseer.core.spi;

import overseer.core.ProcessOutput;
import overseer.core.TaskSpec;

import java.util.Set;

/**
 * A mechanism that runs tasks: host processes (native, portable) or isolated containers (OCI). It only
 * does what it is told; the lifecycle rules, events and bookkeeping live in {@link overseer.core.Tasks},
 * which drives every runtime the same way.
 */
public interface TaskRuntime extends AutoCloseable {
    /** A short name: "native", "portable", "oci". */
    String name();

    /** The optional operations this runtime supports on this host. */
    Set<Feature> features();

    /**
     * Prepares a task without starting its init process. Validates what only the runtime can (does the
     * binary exist, is the working directory there) and fails with INVALID_ARGUMENT naming the field.
     */
    RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output);

    /**
     * A task found again after Overseer restarted (Nomad's Open, containerd's shim reattach): its runtime
     * side, its pid, and its exit when it comes. The exit completes with empty when the task ended and its
     * status cannot be known (a host process that is no longer our child).
     */
    record Adopted(RuntimeTask task, long pid, java.util.concurrent.CompletableFuture<java.util.Optional<overseer.core.Exit>> exit) {
    }

    /**
     * Finds a task a previous Overseer process left: {@code pid} and {@code startTime} (clock ticks since
     * boot, /proc/PID/stat field 22) are what was recorded when it started, so a recycled pid is never taken
     * for it. UNAVAILABLE for a runtime that cannot.
     */
    default Adopted reattach(String namespace, TaskSpec spec, ProcessOutput output, long pid, long startTime) {
        throw overseer.core.OverseerException.unavailable("the %s runtime cannot reattach tasks", name());
    }

    /**
     * Completes once everything of the task last deleted under this name is gone: the OCI runtime deletes a
     * stopped container's state and cgroups in the background after {@code Task.delete} returns. Completed
     * already for a runtime that releases a task in the delete itself.
     */
    default java.util.concurrent.CompletableFuture<Void> released(String namespace, String id) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /**
     * Removes what is left of a task an earlier Overseer deleted without finishing (it stopped or died in the
     * middle): its processes, its runtime state, its cgroups and its files, found where this runtime puts
     * them for {@code spec}. Nothing when nothing is left; never touches a task this runtime has live.
     */
    default void purge(String namespace, TaskSpec spec) {
    }

    /**
     * A task found on the host under this runtime's names: {@code where} it was found (its cgroup, its state
     * directory), its init's {@code pid} and {@code startTime} (0 when nothing of it runs), and a spec as far
     * as the host tells it (command line, environment, working directory), with which it can be reattached.
     */
    record Found(String namespace, String id, long pid, long startTime, TaskSpec spec, String where) {
    }

    /**
     * Every task this runtime, or an earlier Overseer with the same settings, left on the host: what the
     * daemon compares with its store at start, to find the tasks it must have started and no longer knows.
     * A runtime that leaves nothing behind (or cannot tell) finds nothing.
     */
    default java.util.List<Found> found() {
        return java.util.List.of();
    }

    /** Releases the runtime's own resources (threads, descriptors). Tasks must have been deleted. */
    @Override
    void close();

    enum Feature {
        /** Any signal can be sent, not only SIGTERM and SIGKILL. */
        SIGNALS,
        /** Pause and resume. */
        PAUSE,
        /** Pids of every process of a task. */
        PIDS,
        /** The exit reports the signal that killed a process, even one Overseer did not send. */
        EXIT_SIGNAL,
        /**
         * Resource limits ({@link overseer.core.Resources}, cgroup profiles) applied before a task's first
         * instruction, updated while it runs, and OOM kills reported.
         */
        RESOURCES,
        /** Resource use of a task and of each of its processes ({@link overseer.core.TaskStats}). */
        STATS,
        /**
         * Lambda's Freeze, Thaw and Stop: a task frozen as one unit, with the metrics of each cycle read from
         * its cgroup ({@link overseer.core.CycleDeltaMetrics}).
         */
        FREEZER,
        /** Processes run as another user and group ({@link overseer.core.ProcessSpec#user()}). */
        USER,
        /** Tasks fenced off by namespaces, a root filesystem, capabilities and seccomp ({@link overseer.core.Isolation}). */
        ISOLATION,
        /** Checkpoint of a running task with criu ({@link overseer.core.Task#checkpoint}). */
        CHECKPOINT
    }
}
