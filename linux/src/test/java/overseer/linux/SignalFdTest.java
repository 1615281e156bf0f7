package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SignalFd in a JVM that nobody started with blocked signals (this test JVM): no descriptor, the JVM's own
 * handling stays; and the stop of a child is seen once, without its exit being taken from its watcher.
 * Reading signals for real is tested through bin/overseer (cli's SignalForwardingIT, RunInTerminalIT).
 */
class SignalFdTest {
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close();
    }

    @Test
    void noDescriptorWhenTheLauncherBlockedNothing() {
        assertThat(SignalFd.blockedInEveryThread()).isEmpty();
        assertThat(SignalFd.open()).isEmpty();
    }

    @Test
    void aChildsStopIsReportedOnceAndItsExitStaysWithItsWatcher() throws Exception {
        Task t = tasks.run(TaskSpec.of("stops", ProcessSpec.of("/bin/sh", "-c", "kill -STOP $$; exit 4")));
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcFs.stat(t.pid()).map(s -> s.state() == 'T').orElse(false));
        assertThat(SignalFd.childStopped(t.pid())).isTrue();
        assertThat(SignalFd.childStopped(t.pid())).isFalse(); // consumed: one stop, one report
        t.kill(Signal.SIGCONT, false);
        assertThat(t.await().exitCode()).isEqualTo(4);
    }

    @Test
    void noTerminalIsNoControllingTerminal() {
        // Under CI and surefire, stdin is no terminal; where one is, it must be this process's own.
        ControllingTerminal.open().ifPresentOrElse(tty -> {
            assertThat(tty.hungUp()).isFalse();
            tty.close();
        }, () -> assertThat(ControllingTerminal.isTerminal(0)).isFalse());
    }
}
