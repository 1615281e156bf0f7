package overseer.cli;

import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI decides by an error's reason and field: a message that merely reads like one decides nothing. */
class ErrorsTest {
    @Test
    void exitCodesComeFromTheReason() {
        assertThat(Errors.exitCode(OverseerException.executableNotFound("no such file or directory: \"x\""))).isEqualTo(127);
        assertThat(Errors.exitCode(OverseerException.notExecutable("permission denied, not an executable file: \"/tmp\""))).isEqualTo(126);
        assertThat(Errors.exitCode(OverseerException.invalidField("--memory", "expected a size"))).isEqualTo(2);
        assertThat(Errors.exitCode(OverseerException.unavailable("cannot reach the daemon"))).isEqualTo(125);
        assertThat(Errors.exitCode(OverseerException.unauthenticated("a bearer token is required"))).isEqualTo(125);
    }

    @Test
    void aMessageThatLooksLikeAReasonIsNotOne() {
        OverseerException lookalike = new OverseerException(ErrorKind.INVALID_ARGUMENT, "args[0]: no such file or directory: \"x\"");
        assertThat(Errors.exitCode(lookalike)).isEqualTo(2);
        assertThat(ResourceFlags.renamed(new OverseerException(ErrorKind.INVALID_ARGUMENT, "resources.memoryBytes: too small")))
                .hasMessage("resources.memoryBytes: too small");
    }

    @Test
    void aResourceFieldIsToldByItsFlagWithKindAndReasonKept() {
        OverseerException e = ResourceFlags.renamed(OverseerException.aboutField(ErrorKind.UNAVAILABLE, "resources.swapBytes",
                "needs resources.memoryBytes too"));
        assertThat(e).hasMessage("--memory-swap: needs --memory too");
        assertThat(e.field()).contains("--memory-swap");
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
    }
}
