package overseer.wire;

import overseer.core.Durations;
import overseer.core.OverseerException;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How the daemon tells a running task is healthy, one of two ways:
 * <ul>
 *   <li>{@code command} (docker's HEALTHCHECK): exec'd in the task every {@code interval}; exit 0 within
 *       {@code timeout} is healthy; after {@code retries} failures in a row the task is unhealthy;</li>
 *   <li>{@code match}: a regular expression the task's output must show (a line such as "Ready to accept
 *       connections"); healthy once a line matches, unhealthy if none has within {@code timeout} of the
 *       start (checked every {@code interval}).</li>
 * </ul>
 * When {@code restart} is set (what docker lacks, moby #28400), an unhealthy task is stopped (stop signal,
 * grace, SIGKILL) and its restart policy decides what follows.
 */
public record HealthCheck(List<String> command, Optional<Pattern> match, Duration interval, Duration timeout, int retries,
                          boolean restart) {
    public HealthCheck {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(match, "match");
        command = List.copyOf(command);
        if (command.isEmpty() == match.isEmpty()) {
            throw OverseerException.invalidField("healthCheck", "give either command or match");
        }
        if (!command.isEmpty() && command.getFirst().isBlank()) {
            throw OverseerException.invalidField("healthCheck.command", "must name a command");
        }
        Durations.requireNonNegative("healthCheck.interval", interval);
        Durations.requireNonNegative("healthCheck.timeout", timeout);
        if (interval.isZero() || timeout.isZero()) {
            throw OverseerException.invalidField("healthCheck", "interval and timeout must be longer than 0");
        }
        if (retries < 1) {
            throw OverseerException.invalidField("healthCheck.retries", "must be at least 1, got %d", retries);
        }
    }

    /** An exec'd check with docker's defaults: every 30 s, 30 s timeout, 3 retries, restart when unhealthy. */
    public static HealthCheck of(List<String> command) {
        return new HealthCheck(command, Optional.empty(), Duration.ofSeconds(30), Duration.ofSeconds(30), 3, true);
    }

    /** An output match: looked for every second, given a minute to appear. */
    public static HealthCheck matching(String regex) {
        return new HealthCheck(List.of(), Optional.of(pattern("healthCheck.match", regex)), Duration.ofSeconds(1),
                Duration.ofMinutes(1), 1, true);
    }

    static Pattern pattern(String field, String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw OverseerException.invalidField(field, "not a valid regular expression \"%s\": %s", regex,
                    e.getDescription());
        }
    }

    // Patterns compare by identity: a health check is the same when its text is.
    @Override
    public boolean equals(Object o) {
        return o instanceof HealthCheck h && command.equals(h.command)
                && match.map(Pattern::pattern).equals(h.match.map(Pattern::pattern)) && interval.equals(h.interval)
                && timeout.equals(h.timeout) && retries == h.retries && restart == h.restart;
    }

    @Override
    public int hashCode() {
        return Objects.hash(command, match.map(Pattern::pattern), interval, timeout, retries, restart);
    }
}
