package overseer.supervisor;

import overseer.core.OverseerException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;

import java.util.List;
import java.util.Objects;

/**
 * A command for the process manager, 0-core's Command field for field (JSON names in brackets): what a
 * 0-core client sends, made a {@link JobSpec} by the supervisor at the edge. Build one with
 * {@link #builder(String)}, which names each field.
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
        return builder(CommandRegistry.SYSTEM).id(id).arguments(arguments).build();
    }

    /** A command of {@code kind} ("core.system", a built-in, an extension), every other field at 0-core's default. */
    public static Builder builder(String kind) {
        return new Builder(kind);
    }

    public Builder toBuilder() {
        return builder(command).id(id).arguments(arguments).queue(queue).statsInterval(statsInterval).maxTime(maxTime)
                .maxRestart(maxRestart).recurringPeriod(recurringPeriod).stream(stream).logLevels(logLevels).tags(tags)
                .protect(protect);
    }

    public Command withId(String newId) {
        return toBuilder().id(newId).build();
    }

    @Override
    public String toString() {
        return "(" + id + "# " + command + ")";
    }

    /** Names each of 0-core's twelve fields; the record checks the values when it is built. */
    public static final class Builder {
        private String command;
        private String id = "";
        private JsonNode arguments;
        private String queue = "";
        private int statsInterval;
        private int maxTime;
        private int maxRestart;
        private int recurringPeriod;
        private boolean stream;
        private List<Integer> logLevels = List.of();
        private List<String> tags = List.of();
        private boolean protect;

        private Builder(String command) {
            this.command = command;
        }

        public Builder kind(String kind) {
            this.command = kind;
            return this;
        }

        /** The job id; empty (the default) gives it a UUID when it is run. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder arguments(JsonNode arguments) {
            this.arguments = arguments;
            return this;
        }

        public Builder queue(String queue) {
            this.queue = queue;
            return this;
        }

        public Builder statsInterval(int seconds) {
            this.statsInterval = seconds;
            return this;
        }

        public Builder maxTime(int seconds) {
            this.maxTime = seconds;
            return this;
        }

        public Builder maxRestart(int restarts) {
            this.maxRestart = restarts;
            return this;
        }

        public Builder recurringPeriod(int seconds) {
            this.recurringPeriod = seconds;
            return this;
        }

        public Builder stream(boolean stream) {
            this.stream = stream;
            return this;
        }

        public Builder logLevels(List<Integer> levels) {
            this.logLevels = levels;
            return this;
        }

        public Builder tags(List<String> tags) {
            this.tags = tags;
            return this;
        }

        public Builder protect(boolean protect) {
            this.protect = protect;
            return this;
        }

        public Command build() {
            return new Command(id, command, arguments, queue, statsInterval, maxTime, maxRestart, recurringPeriod, stream,
                    logLevels, tags, protect);
        }
    }
}
