package overseer.server;

import overseer.core.Exit;
import overseer.core.spi.StateStore;
import overseer.wire.RestartPolicy;
import overseer.wire.ServiceSpec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One task's supervision as {@link Services} keeps it (spec, restart bookkeeping, the current run's timers);
 * every field is guarded by the object's monitor. Separate so both Services and {@link RunWatches} can hold it.
 */
final class KeptService {
    final String namespace;
    final Instant createdAt;
    ServiceSpec spec;
    StateStore.ServiceState state;
    final Deque<Exit> past = new ArrayDeque<>();
    final Deque<Instant> starts = new ArrayDeque<>();
    int streak;
    Instant startedAt;
    Instant nextRestartAt;
    ScheduledFuture<?> restart;
    ScheduledFuture<?> deadline;
    ScheduledFuture<?> probe;
    /** The wait before the restart armed (what its "task restarted" line reports). */
    Duration delay = Duration.ZERO;
    int healthFailures;
    String health = "none";
    boolean gone;
    /** The number of the current run, and whether its exit has come: timers of an ended run do nothing. */
    long run;
    boolean ended;
    /** Where this run's output begins in the task's .out and .err files (they hold every run's). */
    long outFrom;
    long errFrom;

    KeptService(String namespace, ServiceSpec spec, StateStore.ServiceState state, List<Exit> past, Instant createdAt) {
        this.createdAt = createdAt;
        this.namespace = namespace;
        this.spec = spec;
        this.state = state;
        this.past.addAll(past);
    }

    RestartPolicy policy() {
        return spec.supervision().restart();
    }

    void disarm() {
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[]{restart, deadline, probe}) {
            if (f != null) {
                f.cancel(false);
            }
        }
        restart = deadline = probe = null;
        nextRestartAt = null;
    }
}
