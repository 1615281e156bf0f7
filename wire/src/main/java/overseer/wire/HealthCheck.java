package overseer.wire;

import overseer.core.Durations;
import overseer.core.OverseerException;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the daemon tells a running task is healthy (docker's HEALTHCHECK): {@code command} is exec'd in the
 * task every {@code interval}; exit 0 within {@code timeout} is healthy. After {@code retries} failures in
 * a row the task is unhealthy and, when {@code restart} is set (what docker lacks, moby #28400), it is
 * stopped (stop signal, grace, SIGKILL) and its restart policy decides what follows.
 */
public record HealthCheck(List<String> command, Duration interval, Duration timeout, int retries, boolean restart) {
    public HealthCheck {
        Objects.requireNonNull(command, "command");
        if (command.isEmpty() || command.getFirst().isBlank()) {
            throw OverseerException.invalidArgument("healthCheck.command: must name a command");
        }
        command = List.copyOf(command);
        Durations.requireNonNegative("healthCheck.interval", interval);
        Durations.requireNonNegative("healthCheck.timeout", timeout);
        if (interval.isZero() || timeout.isZero()) {
            throw OverseerException.invalidArgument("healthCheck: interval and timeout must be longer than 0");
        }
        if (retries < 1) {
            throw OverseerException.invalidArgument("healthCheck.retries: must be at least 1, got %d", retries);
        }
    }

    /** docker's defaults: every 30 s, 30 s timeout, 3 retries. */
    public static HealthCheck of(List<String> command) {
        return new HealthCheck(command, Duration.ofSeconds(30), Duration.ofSeconds(30), 3, true);
    }
}
