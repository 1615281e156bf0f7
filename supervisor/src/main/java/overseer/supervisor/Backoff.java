package overseer.supervisor;

import overseer.core.internal.Durations;
import overseer.core.OverseerException;

import java.time.Duration;

/**
 * The delay before restart number n (1-based): initial × factor^(n-1), at most cap.
 */
public record Backoff(Duration initial, double factor, Duration cap) {
    /** 0-core waits a fixed second between restarts; Overseer starts there and doubles, up to 30 s. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30));

    public Backoff {
        Durations.requireNonNegative("backoff.initial", initial);
        Durations.requireNonNegative("backoff.cap", cap);
        if (!(factor >= 1.0) || factor > 100) {
            throw OverseerException.invalidArgument("backoff.factor: %s is out of range 1..100", factor);
        }
        if (cap.compareTo(initial) < 0) {
            throw OverseerException.invalidArgument("backoff.cap: %s is shorter than backoff.initial %s", cap, initial);
        }
    }

    public Duration delay(int restart) {
        double nanos = initial.toNanos() * Math.pow(factor, Math.max(0, restart - 1));
        return nanos >= cap.toNanos() ? cap : Duration.ofNanos((long) nanos);
    }
}
