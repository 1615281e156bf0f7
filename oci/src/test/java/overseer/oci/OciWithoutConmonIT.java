package overseer.oci;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import overseer.core.ErrorKind;
import overseer.core.Exit;
import overseer.core.Isolation;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskProcess;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.BundledProgram;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A host without conmon: overseer-monitor watches every process, and what only conmon can watch (a terminal,
 * stdin, a restore) is refused when it is asked for, by name, before anything is made.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(LeavesNothing.class)
class OciWithoutConmonIT {
    private static final String NS = "noconmon";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private OciRuntime runtime;
    private Tasks tasks;

    @BeforeEach
    void open() {
        OciTesting.assumeUsable();
        assumeTrue(BundledProgram.MONITOR.path().isPresent(), "this build has no overseer-monitor (no C compiler)");
        runtime = OciTesting.builder().conmon(Optional.empty()).build();
        tasks = new Tasks(runtime);
    }

    @AfterEach
    void close() {
        if (tasks != null) {
            tasks.close();
        }
    }

    @Test
    void aProcessWithoutTerminalOrStdinRunsUnderOverseerMonitor() throws Exception {
        Task t = tasks.create(NS, TaskSpec.of("plain", ProcessSpec.builder("/bin/sh", "-c", "echo hello; exit 4")
                .env("PATH", "/usr/bin:/bin").captureOutput().build()));
        t.start();
        Exit exit = t.await(WAIT).orElseThrow();
        assertThat(exit.exitCode()).isEqualTo(4);
        t.output().drained().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(t.output().tail(LogStream.STDOUT).lines()).containsExactly("hello");

        OciInfo info = runtime.info();
        assertThat(info.conmonPath()).isEmpty();
        assertThat(info.notes()).contains("every process runs under overseer-monitor; a terminal, stdin or a restore is refused (no conmon)");
    }

    @Test
    void stdinOrATerminalIsRefusedByNameAndNothingIsMade() {
        assertThatThrownBy(() -> tasks.create(NS, TaskSpec.of("fed", ProcessSpec.builder("/bin/cat").stdin(Redirect.PIPE).build())))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE))
                .hasMessage("process.stdin: needs conmon, which is not installed (apt-get install conmon)");
        runtime.isolate(NS, "tty", Isolation.builder().terminal(true).build());
        assertThatThrownBy(() -> tasks.create(NS, TaskSpec.of("tty", ProcessSpec.of("/bin/true"))))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE))
                .hasMessage("isolation.terminal: needs conmon, which is not installed (apt-get install conmon)");
        assertThat(runtime.stored(NS)).isEmpty();
    }

    @Test
    void anExecWithStdinIsRefusedAndAnExecWithoutRuns() throws Exception {
        Task t = tasks.create(NS, TaskSpec.of("host", ProcessSpec.of("/bin/sleep", "1000")));
        t.start();
        try {
            assertThatThrownBy(() -> t.exec("fed", ProcessSpec.builder("/bin/cat").stdin(Redirect.PIPE).build()))
                    .hasMessage("process.stdin: needs conmon, which is not installed (apt-get install conmon)");
            TaskProcess side = t.exec("side", ProcessSpec.of("/bin/sh", "-c", "exit 5"));
            side.start();
            assertThat(side.await(WAIT).orElseThrow().exitCode()).isEqualTo(5);
        } finally {
            t.kill(java.time.Instant.now().plus(WAIT)); // sleep as pid 1 ignores the SIGTERM of Tasks.close
        }
    }

    @Test
    void withoutConmonAndWithConmonAlwaysThereIsNoMonitor() {
        assertThatThrownBy(() -> OciTesting.builder().conmon(Optional.empty()).conmonAlways(true).build())
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE))
                .hasMessage("conmon is not installed (apt-get install conmon)");
    }
}
