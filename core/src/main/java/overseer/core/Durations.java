package overseer.core;

import java.time.Duration;

/** Checks on durations given by callers. */
public final class Durations {
    private Durations() {
    }

    public static Duration requireNonNegative(String field, Duration d) {
        if (d == null) {
            throw OverseerException.invalidArgument("%s: must be given", field);
        }
        if (d.isNegative()) {
            throw OverseerException.invalidArgument("%s: must not be negative, got %s", field, d);
        }
        return d;
    }
}
