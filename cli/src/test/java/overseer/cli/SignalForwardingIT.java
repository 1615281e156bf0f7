package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * docker's sig-proxy in `overseer run`, started by bin/overseer as a user starts it: every catchable signal
 * sent to Overseer reaches the command, and none ends Overseer (USR1 used to, rc 138, the command left
 * running under ppid 1), prints the JVM's "stray SR signal" (USR2) or writes a thread dump (QUIT). And the
 * command's own flags are the command's: parsing stops at its first word.
 */
class SignalForwardingIT {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Prints a line per signal it traps, "ready" once the traps are set; ends on TERM. */
    private static final String TRAPS = "for s in USR1 USR2 QUIT ALRM WINCH CONT; do trap \"echo got-$s\" $s; done; "
            + "trap 'echo got-TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done";
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close(); // kills what is still running
    }

    private Task overseer(String... args) {
        List<String> cmd = new ArrayList<>(List.of(RunInTerminalIT.OVERSEER.toString()));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("sig-" + IDS.incrementAndGet(), ProcessSpec.builder(cmd).captureOutput()
                .env(Map.of("OVERSEER_CLASSPATH", System.getProperty("java.class.path"),
                        "PATH", "/usr/bin:/bin", "JAVA_HOME", System.getProperty("java.home")))
                .build()));
    }

    private static String out(Task t) {
        return String.join("\n", t.output().tail(LogStream.STDOUT).lines());
    }

    private static String all(Task t) {
        return out(t) + "\n" + String.join("\n", t.output().tail(LogStream.STDERR).lines());
    }

    @Test
    void everySignalReachesTheCommandAndOverseerLives() throws Exception {
        Task t = overseer("run", "--", "/bin/sh", "-c", TRAPS);
        await().atMost(PATIENCE).until(() -> out(t).contains("ready"));
        for (String s : List.of("USR1", "USR2", "QUIT", "ALRM", "WINCH", "CONT")) {
            t.kill(Signal.parse(s), false);
            await("got-" + s).atMost(PATIENCE).until(() -> out(t).contains("got-" + s));
            assertThat(t.exit()).as("Overseer after SIG%s", s).isEmpty();
        }
        t.kill(Signal.SIGTERM, false); // the stop sequence: SIGTERM to the command, which traps it
        assertThat(t.await().exitCode()).isEqualTo(7);
        t.output().drained().join();
        assertThat(all(t)).contains("got-TERM")
                .doesNotContain("stray SR signal").doesNotContain("thread dump").doesNotContain("Full thread");
    }

    @Test
    void theCommandsOwnFlagsAreTheCommands() throws Exception {
        // Before: `run /bin/ls -d /tmp` took -d as Overseer's --detach and tried the daemon.
        Task ls = overseer("run", "/bin/ls", "-d", "/tmp");
        assertThat(ls.await().exitCode()).isZero();
        ls.output().drained().join();
        assertThat(out(ls)).isEqualTo("/tmp");
        // Before: -e A=b set an environment variable instead of reaching echo.
        Task echo = overseer("run", "/bin/echo", "-n", "-e", "A=b", "hello");
        assertThat(echo.await().exitCode()).isZero();
        echo.output().drained().join();
        assertThat(out(echo)).isEqualTo("A=b hello");
    }

    @Test
    void theDaemonServesAndStopsOnSigtermUnderTheLauncher(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // Its handlers must not be refused under -Xrs ("Signal already used by VM or OS: SIGTERM").
        java.nio.file.Path sock = dir.resolve("d.sock");
        String parent = "overseer-test-launcher-" + System.nanoTime();
        try {
            Task d = overseer("daemon", "--socket", sock.toString(), "--state-dir", dir.resolve("st").toString(),
                    "--cgroup-parent", parent);
            overseer.client.OverseerClient c = new overseer.client.OverseerClient(sock);
            await().atMost(PATIENCE).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
            d.kill(Signal.SIGTERM, false);
            int code = d.await().exitCode();
            d.output().drained().join();
            assertThat(all(d)).doesNotContain("already used");
            assertThat(code).as(all(d)).isZero(); // a clean stop, as DaemonCliIT.sigtermStopsTheDaemonCleanly
            assertThat(java.nio.file.Files.exists(sock)).isFalse();
        } finally {
            RealDaemon.removeCgroupParent(parent); // the daemon made it, empty, in every hierarchy
        }
    }

    @Test
    void otherVerbsStillEndOnSigtermAsAJvmDoes() throws Exception {
        Task daemonless = overseer("events", "--socket", "/nonexistent/overseer.sock");
        // Whatever it does (it cannot reach a daemon), a TERM must not be held forever.
        daemonless.kill(Signal.SIGTERM, false);
        assertThat(daemonless.await(PATIENCE)).isPresent();
    }
}
