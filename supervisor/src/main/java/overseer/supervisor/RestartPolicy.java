package overseer.supervisor;

import overseer.core.internal.Durations;
import overseer.core.OverseerException;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * When a job's process is started again after it ended.
 *
 * @param mode        never, on-failure (any end but SUCCESS) or always
 * @param maxRestarts how many restarts at most; the count resets after a stable run
 * @param backoff     the delay before each restart, growing with consecutive restarts
 * @param minUptime   a run at least this long is stable: the backoff starts over and the restart count too
 */
public record RestartPolicy(Mode mode, int maxRestarts, Backoff backoff, Duration minUptime) {
    /** No cap: `--restart always` restarts for as long as the job runs (docker's, systemd's Restart=always). */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public static final RestartPolicy NEVER = new RestartPolicy(Mode.NEVER, 0, Backoff.DEFAULT, Duration.ofSeconds(10));

    public RestartPolicy {
        Objects.requireNonNull(mode, "restart.mode");
        Objects.requireNonNull(backoff, "restart.backoff");
        Durations.requireNonNegative("restart.minUptime", minUptime);
        if (maxRestarts < 0 || maxRestarts > Command.MAX_RESTARTS && maxRestarts != UNLIMITED) {
            throw OverseerException.invalidArgument("restart.maxRestarts: %d is out of range 0..%d", maxRestarts,
                    Command.MAX_RESTARTS);
        }
    }

    public enum Mode {
        NEVER, ON_FAILURE, ALWAYS;

        /** Parses "never", "on-failure", "always". */
        public static Mode parse(String text) {
            return switch (text == null ? "" : text.toLowerCase(Locale.ROOT)) {
                case "never", "no" -> NEVER;
                case "on-failure", "on_failure" -> ON_FAILURE;
                case "always" -> ALWAYS;
                default -> throw OverseerException.invalidArgument(
                        "restart: expected never, on-failure or always, got \"%s\"", text);
            };
        }
    }

    public static RestartPolicy onFailure(int maxRestarts) {
        return new RestartPolicy(Mode.ON_FAILURE, maxRestarts, Backoff.DEFAULT, Duration.ofSeconds(10));
    }

    public RestartPolicy withBackoff(Backoff b, Duration stable) {
        return new RestartPolicy(mode, maxRestarts, b, stable);
    }

    /** Whether a run that ended in {@code state} is restarted, given the restarts made since the last stable run. */
    boolean restarts(JobState state, int restartsSoFar) {
        boolean wanted = switch (mode) {
            case NEVER -> false;
            case ON_FAILURE -> state != JobState.SUCCESS;
            case ALWAYS -> true;
        };
        return wanted && state != JobState.KILLED && restartsSoFar < maxRestarts;
    }
}
