package overseer.wire;

import overseer.core.internal.Durations;
import overseer.core.Signal;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the daemon keeps a task: its restart policy, how it is stopped (the stop signal, then SIGKILL to
 * every process after the grace), the longest it may run (then it is stopped the same way), and its
 * health check. Part of the task's spec: persisted with it, and re-armed when the daemon restarts.
 */
public record Supervision(RestartPolicy restart, Signal stopSignal, Duration stopGrace, Optional<Duration> maxRuntime,
                          Optional<HealthCheck> healthCheck) {
    /** docker's: SIGTERM, 10 s. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(10);
    public static final Supervision NONE = new Supervision(RestartPolicy.NO, Signal.SIGTERM, STOP_GRACE,
            Optional.empty(), Optional.empty());

    public Supervision {
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(stopSignal, "stopSignal");
        Durations.requireNonNegative("stopGrace", stopGrace);
        Objects.requireNonNull(maxRuntime, "maxRuntime");
        maxRuntime.ifPresent(d -> Durations.requireNonNegative("maxRuntime", d));
        Objects.requireNonNull(healthCheck, "healthCheck");
    }

    public Supervision withRestart(RestartPolicy r) {
        return new Supervision(r, stopSignal, stopGrace, maxRuntime, healthCheck);
    }

    public Supervision withStop(Signal signal, Duration grace) {
        return new Supervision(restart, signal, grace, maxRuntime, healthCheck);
    }

    public Supervision withMaxRuntime(Duration d) {
        return new Supervision(restart, stopSignal, stopGrace, Optional.of(d), healthCheck);
    }

    public Supervision withHealthCheck(HealthCheck h) {
        return new Supervision(restart, stopSignal, stopGrace, maxRuntime, Optional.of(h));
    }
}
