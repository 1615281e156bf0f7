package overseer.supervisor;

import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** 0-core's Command JSON: every field, strictly. */
class CommandsTest {
    @Test
    void parsesEverySeedField() {
        Command c = Commands.parse("""
                {"id": "j1", "command": "core.system", "arguments": {"name": "/bin/true"}, "queue": "q",
                 "stats_interval": 5, "max_time": 10, "max_restart": 3, "recurring_period": 60, "stream": true,
                 "log_levels": [1, 2, 20], "tags": ["a", "b"], "protected": true}""");
        assertThat(c.id()).isEqualTo("j1");
        assertThat(c.command()).isEqualTo("core.system");
        assertThat(c.arguments().get("name").asString()).isEqualTo("/bin/true");
        assertThat(c.queue()).isEqualTo("q");
        assertThat(c.statsInterval()).isEqualTo(5);
        assertThat(c.maxTime()).isEqualTo(10);
        assertThat(c.maxRestart()).isEqualTo(3);
        assertThat(c.recurringPeriod()).isEqualTo(60);
        assertThat(c.stream()).isTrue();
        assertThat(c.logLevels()).containsExactly(1, 2, 20);
        assertThat(c.tags()).containsExactly("a", "b");
        assertThat(c.protect()).isTrue();
        assertThat(Commands.parse(Commands.toJson(c))).isEqualTo(c);
    }

    @Test
    void missingOptionalFieldsTakeDefaults() {
        Command c = Commands.parse("{\"command\": \"core.system\"}");
        assertThat(c.id()).isEmpty();
        assertThat(c.queue()).isEmpty();
        assertThat(c.maxTime()).isZero();
        assertThat(c.tags()).isEmpty();
    }

    @Test
    void unknownFieldIsNamed() {
        assertInvalid("{\"command\": \"core.system\", \"max_tme\": 3}", "max_tme: unknown field");
    }

    @Test
    void negativeAndAbsurdNumbersAreNamed() {
        assertInvalid("{\"command\": \"x\", \"max_time\": -1}", "max_time: -1 is out of range");
        assertInvalid("{\"command\": \"x\", \"recurring_period\": 99999999}", "recurring_period: 99999999 is out of range");
        assertInvalid("{\"command\": \"x\", \"max_restart\": -2}", "max_restart: -2 is out of range");
        assertInvalid("{\"command\": \"x\", \"stats_interval\": 1e20}", "stats_interval: expected a whole number");
        assertInvalid("{\"command\": \"x\", \"log_levels\": [1, \"two\"]}", "log_levels: expected a list of integers");
    }

    @Test
    void wrongTypesAreNamed() {
        assertInvalid("{\"command\": 7}", "command: expected a string");
        assertInvalid("{\"command\": \"x\", \"stream\": \"yes\"}", "stream: expected true or false");
        assertInvalid("{\"command\": \"x\", \"tags\": \"a\"}", "tags: expected a list of strings");
    }

    @Test
    void badJsonAndMissingCommand() {
        assertInvalid("{\"command\": ", "command: not valid JSON");
        assertInvalid("[1]", "command: expected a JSON object");
        assertInvalid("{}", "command: must name a command kind");
    }

    private static void assertInvalid(String json, String message) {
        assertThatThrownBy(() -> Commands.parse(json)).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith(message);
        });
    }
}
