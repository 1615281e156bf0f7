package overseer.wire;

import overseer.core.Durations;
import overseer.core.Exit;
import overseer.core.OverseerException;

import java.time.Duration;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * When the daemon starts a task again after its process ended, with docker's meanings:
 * {@code no}, {@code on-failure[:N]} (only after a non-zero exit; N retries in all, unlimited when N is
 * left out), {@code always} and {@code unless-stopped} (both unlimited; neither restarts a task an operator
 * stopped; after a daemon restart {@code always} starts it again, {@code unless-stopped} does not).
 *
 * <p>Each restart waits {@link #initialDelay} doubling up to {@link #maxDelay} (docker: 100 ms to 1 min);
 * a run that lasted {@link #resetAfter} resets the delay. More than {@link #startLimitBurst} starts within
 * {@link #startLimitInterval} (systemd's StartLimitBurst and StartLimitIntervalSec) make the task
 * {@code failed} with that reason, as supervisord's FATAL.
 */
public record RestartPolicy(Mode mode, OptionalInt maxRetries, Duration initialDelay, Duration maxDelay,
                            Duration resetAfter, int startLimitBurst, Duration startLimitInterval) {
    public static final Duration INITIAL_DELAY = Duration.ofMillis(100);
    public static final Duration MAX_DELAY = Duration.ofMinutes(1);
    public static final Duration RESET_AFTER = Duration.ofSeconds(10);
    /** systemd's defaults: 5 starts in 10 s. */
    public static final int START_LIMIT_BURST = 5;
    public static final Duration START_LIMIT_INTERVAL = Duration.ofSeconds(10);

    public static final RestartPolicy NO = of(Mode.NO, OptionalInt.empty());

    public enum Mode {
        NO("no"), ON_FAILURE("on-failure"), ALWAYS("always"), UNLESS_STOPPED("unless-stopped");

        private final String word;

        Mode(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public RestartPolicy {
        java.util.Objects.requireNonNull(mode, "mode");
        java.util.Objects.requireNonNull(maxRetries, "maxRetries");
        Durations.requireNonNegative("restart.initialDelay", initialDelay);
        Durations.requireNonNegative("restart.maxDelay", maxDelay);
        Durations.requireNonNegative("restart.resetAfter", resetAfter);
        Durations.requireNonNegative("restart.startLimitInterval", startLimitInterval);
        if (maxRetries.isPresent() && mode != Mode.ON_FAILURE) {
            throw OverseerException.invalidField("restart", "a retry count is only for on-failure, got %s:%d",
                    mode.word(), maxRetries.getAsInt());
        }
        if (maxRetries.isPresent() && maxRetries.getAsInt() < 0) {
            throw OverseerException.invalidField("restart", "the retry count must not be negative, got %d",
                    maxRetries.getAsInt());
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw OverseerException.invalidField("restart.maxDelay", "%s is shorter than restart.initialDelay %s",
                    Json.text(maxDelay), Json.text(initialDelay));
        }
        if (startLimitBurst < 0) {
            throw OverseerException.invalidField("restart.startLimitBurst", "must not be negative, got %d", startLimitBurst);
        }
    }

    public static RestartPolicy of(Mode mode, OptionalInt maxRetries) {
        return new RestartPolicy(mode, maxRetries, INITIAL_DELAY, MAX_DELAY, RESET_AFTER, START_LIMIT_BURST,
                START_LIMIT_INTERVAL);
    }

    /** {@code no | on-failure[:N] | always | unless-stopped}, as docker's --restart takes it. */
    public static RestartPolicy parse(String field, String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        int colon = t.indexOf(':');
        String word = colon < 0 ? t : t.substring(0, colon);
        Mode mode = switch (word) {
            case "no", "never" -> Mode.NO;
            case "on-failure" -> Mode.ON_FAILURE;
            case "always" -> Mode.ALWAYS;
            case "unless-stopped" -> Mode.UNLESS_STOPPED;
            default -> throw OverseerException.invalidField(field, "expected no, on-failure[:N], always or unless-stopped, got \"%s\"", text);
        };
        if (colon < 0) {
            return of(mode, OptionalInt.empty());
        }
        if (mode != Mode.ON_FAILURE) {
            throw OverseerException.invalidField(field, "only on-failure takes a retry count, got \"%s\"", text);
        }
        try {
            int n = Integer.parseInt(t.substring(colon + 1));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return of(mode, OptionalInt.of(n));
        } catch (NumberFormatException e) {
            throw OverseerException.invalidField(field, "the retry count must be a whole number, got \"%s\"", text);
        }
    }

    /** The policy as docker writes it: "on-failure:3", "always". */
    public String word() {
        return maxRetries.isPresent() ? mode.word() + ":" + maxRetries.getAsInt() : mode.word();
    }

    public RestartPolicy withBackoff(Duration initial, Duration max, Duration reset) {
        return new RestartPolicy(mode, maxRetries, initial, max, reset, startLimitBurst, startLimitInterval);
    }

    public RestartPolicy withStartLimit(int burst, Duration interval) {
        return new RestartPolicy(mode, maxRetries, initialDelay, maxDelay, resetAfter, burst, interval);
    }

    /**
     * Whether a process that ended with {@code exit}, after {@code retries} restarts in a row, is started
     * again. An operator's stop is not a reason to restart under any policy: the caller checks that first.
     */
    public boolean restarts(Exit exit, int retries) {
        return switch (mode) {
            case NO -> false;
            case ON_FAILURE -> exit.exitCode() != 0 && (maxRetries.isEmpty() || retries < maxRetries.getAsInt());
            case ALWAYS, UNLESS_STOPPED -> true;
        };
    }

    /** The wait before restart number {@code n} (1-based) of a streak: initial × 2^(n-1), at most the cap. */
    public Duration delay(int n) {
        long initial = initialDelay.toNanos();
        int shift = Math.min(Math.max(0, n - 1), 40);
        long nanos = initial > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : initial << shift;
        return nanos >= maxDelay.toNanos() ? maxDelay : Duration.ofNanos(nanos);
    }
}
