package overseer.server;

import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import overseer.core.OverseerException;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The two line formats: what is quoted and escaped, how values are typed, and the flags' refusals. */
class LogFormatTest {
    private static final Instant AT = Instant.parse("2026-12-01T16:25:51.6Z");
    private static final List<KeyValuePair> FIELDS = List.of(new KeyValuePair("id", "web"), new KeyValuePair("code", 3),
            new KeyValuePair("signal", null), new KeyValuePair("oom", false), new KeyValuePair("error", "say \"no\"\nnow"),
            new KeyValuePair("expr", "a=b"), new KeyValuePair("empty", ""));

    @Test
    void logfmtQuotesOnlyWhatMustBeAndEscapesLikeJson() {
        assertThat(LogFormat.LOGFMT.line(AT, Level.INFO, "task exited", FIELDS, null, null)).isEqualTo(
                "time=2026-12-01T16:25:51.600Z level=info msg=\"task exited\" id=web code=3 signal= oom=false "
                        + "error=\"say \\\"no\\\"\\nnow\" expr=\"a=b\" empty=");
    }

    @Test
    void jsonTypesNumbersBooleansAndNull() {
        assertThat(LogFormat.JSON.line(AT, Level.WARN, "task exited", FIELDS, "io.helidon.X", "java.io.IOException: gone"))
                .isEqualTo("{\"time\":\"2026-12-01T16:25:51.600Z\",\"level\":\"warn\",\"msg\":\"task exited\",\"id\":\"web\","
                        + "\"code\":3,\"signal\":null,\"oom\":false,\"error\":\"say \\\"no\\\"\\nnow\",\"expr\":\"a=b\","
                        + "\"empty\":\"\",\"logger\":\"io.helidon.X\",\"error\":\"java.io.IOException: gone\"}");
    }

    @Test
    void controlCharactersNeverBreakALine() {
        String line = LogFormat.LOGFMT.line(AT, Level.ERROR, "x\ty\u0001", List.of(), "l", null);
        assertThat(line).isEqualTo("time=2026-12-01T16:25:51.600Z level=error msg=\"x\\ty\\u0001\" logger=l").doesNotContain("\n");
    }

    @Test
    void flagsAreRefusedByNameAndValue() {
        assertThat(LogFormat.parse("--log-format", " JSON ")).isEqualTo(LogFormat.JSON);
        assertThatThrownBy(() -> LogFormat.parse("--log-format", "xml")).isInstanceOf(OverseerException.class)
                .hasMessage("--log-format: expected logfmt or json, got \"xml\"");
        assertThat(DaemonLog.level("--log-level", "Warn")).isEqualTo(Level.WARN);
        assertThatThrownBy(() -> DaemonLog.level("--log-level", "loud")).isInstanceOf(OverseerException.class)
                .hasMessage("--log-level: expected trace, debug, info, warn or error, got \"loud\"");
    }
}
