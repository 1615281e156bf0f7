package overseer.supervisor;

import overseer.core.OverseerException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;

import java.util.List;
import java.util.Objects;

/**
 * A command for the process manager, 0-core's Command field for field (JSON names in brackets).
 *
 * @param id              the job id [id]; empty means "give it a UUID"
 * @param command         the command kind [command]: "core.system", a built-in or an extension
 * @param arguments       its arguments, handled by the command kind [arguments]
 * @param queue           commands with the same queue run one at a time, in order [queue]
 * @param statsInterval   seconds between process statistics samples, 0 for none [stats_interval]
 * @param maxTime         seconds a run may take before it is killed (TIMEOUT), 0 for no limit [max_time]
 * @param maxRestart      restarts after a failed run, 0 for none [max_restart]
 * @param recurringPeriod seconds between the end of a run and the next one, 0 for a one-shot [recurring_period]
 * @param stream          whether output is streamed to subscribers as it comes [stream]
 * @param logLevels       the message levels delivered to subscribers, empty for all [log_levels]
 * @param tags            the user's tags, copied to the result [tags]
 * @param protect         whether Killall leaves the job alone [protected]
 */
public record Command(String id, String command, JsonNode arguments, String queue, int statsInterval, int maxTime,
                      int maxRestart, int recurringPeriod, boolean stream, List<Integer> logLevels, List<String> tags,
                      boolean protect) {
    static final int MAX_SECONDS = 366 * 24 * 3600;
    static final int MAX_RESTARTS = 1_000_000;

    public Command {
        Objects.requireNonNull(id, "id");
        if (command == null || command.isBlank()) {
            throw OverseerException.invalidArgument("command: must name a command kind, such as \"core.system\"");
        }
        arguments = arguments == null ? NullNode.getInstance() : arguments;
        queue = queue == null ? "" : queue;
        seconds("stats_interval", statsInterval);
        seconds("max_time", maxTime);
        seconds("recurring_period", recurringPeriod);
        if (maxRestart < 0 || maxRestart > MAX_RESTARTS) {
            throw OverseerException.invalidArgument("max_restart: %d is out of range 0..%d", maxRestart, MAX_RESTARTS);
        }
        logLevels = List.copyOf(logLevels == null ? List.of() : logLevels);
        for (int l : logLevels) {
            if (l < 0 || l > 1000) {
                throw OverseerException.invalidArgument("log_levels: %d is out of range 0..1000", l);
            }
        }
        tags = List.copyOf(tags == null ? List.of() : tags);
    }

    private static void seconds(String field, int v) {
        if (v < 0 || v > MAX_SECONDS) {
            throw OverseerException.invalidArgument("%s: %d is out of range 0..%d seconds", field, v, MAX_SECONDS);
        }
    }

    /** A core.system command with everything else at its default. */
    public static Command system(String id, JsonNode arguments) {
        return new Command(id, CommandRegistry.SYSTEM, arguments, "", 0, 0, 0, 0, false, List.of(), List.of(), false);
    }

    public Command withId(String newId) {
        return new Command(newId, command, arguments, queue, statsInterval, maxTime, maxRestart, recurringPeriod,
                stream, logLevels, tags, protect);
    }

    @Override
    public String toString() {
        return "(" + id + "# " + command + ")";
    }
}
