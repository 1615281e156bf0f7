package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A process on a pseudo-terminal: its controlling terminal, its input, its size. */
class TerminalTest {
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close();
    }

    private static String output(Task t) {
        return String.join("", t.output().tail(LogStream.STDOUT).lines()); // raw framing: chunks, not lines
    }

    @Test
    void theTerminalIsControllingAndCarriesInputAndSize() throws Exception {
        Task t = tasks.run(TaskSpec.of("tty", ProcessSpec.builder("/bin/sh", "-c",
                "tty; read line; echo \"got $line\"; read again; stty size; exit 4").terminal().build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> output(t).contains("/dev/pts/"));
        OutputStream in = t.stdin();
        in.write("hello\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> output(t).contains("got hello"));
        t.resizePty(132, 43);
        in.write("\n".getBytes(StandardCharsets.UTF_8));
        assertThat(t.await().exitCode()).isEqualTo(4);
        t.output().drained().join();
        assertThat(output(t)).contains("hello").contains("43 132"); // the terminal echoes what was typed
    }

    @Test
    void ctrlCOnTheTerminalInterruptsItsForegroundGroup() throws Exception {
        Task t = tasks.run(TaskSpec.of("intr", ProcessSpec.builder("/bin/sh", "-c",
                "trap 'echo interrupted; exit 7' INT; echo ready; while :; do sleep 0.05; done").terminal().build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> output(t).contains("ready"));
        t.stdin().write(3); // ^C: the line discipline turns it into SIGINT for the terminal's process group
        t.stdin().flush();
        assertThat(t.await().exitCode()).isEqualTo(7);
    }

    @Test
    void aProcessWithoutATerminalCannotBeResized() {
        Task t = tasks.run(TaskSpec.of("notty", ProcessSpec.of("/bin/sleep", "100")));
        assertThatThrownBy(() -> t.resizePty(80, 24)).isInstanceOfSatisfying(OverseerException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION));
        assertThatThrownBy(() -> ProcessSpec.builder("/bin/true").stdin(overseer.core.Redirect.NULL).build()
                .toBuilder().terminal().stdin(overseer.core.Redirect.NULL).build())
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.getMessage()).startsWith("terminal: "));
    }
}
