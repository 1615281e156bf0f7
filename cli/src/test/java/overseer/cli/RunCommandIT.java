package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code overseer run} as a user runs it: a real JVM running the CLI, supervised by Overseer itself. */
class RunCommandIT {
    private static final AtomicInteger IDS = new AtomicInteger();
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            tasks.close();
        } finally {
            RealDaemon.removeCgroupParent(cgroupParent);
        }
    }

    /** Every foreground run has a cgroup: the tests' live under a parent of their own, removed after each. */
    private final String cgroupParent = "overseer-test-run-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

    private Task overseer(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        if (args.length > 0 && args[0].equals("run")) {
            cmd.addAll(cmd.indexOf(Main.class.getName()) + 2, List.of("--cgroup-parent", cgroupParent));
        }
        return tasks.run(TaskSpec.of("cli-" + IDS.incrementAndGet(), ProcessSpec.builder(cmd).captureOutput().build()));
    }

    private static List<String> out(Task t) {
        t.output().drained().join();
        return t.output().tail(LogStream.STDOUT).lines();
    }

    private static List<String> err(Task t) {
        t.output().drained().join();
        return t.output().tail(LogStream.STDERR).lines();
    }

    @Test
    void streamsOutputAndExitsWithTheCommandsCode() throws Exception {
        Task t = overseer("run", "--", "/bin/sh", "-c", "echo one; echo two >&2; exit 3");
        assertThat(t.await().exitCode()).isEqualTo(3);
        assertThat(out(t)).containsExactly("one");
        assertThat(err(t)).containsExactly("two");
    }

    @Test
    void jsonExitFollowsTheOutput() throws Exception {
        Task t = overseer("run", "--json", "--", "/bin/sh", "-c", "echo before; kill -TERM $$");
        assertThat(t.await().exitCode()).isEqualTo(143);
        List<String> lines = out(t);
        assertThat(lines).hasSize(2);
        assertThat(lines.getFirst()).isEqualTo("before");
        JsonNode exit = JsonMapper.builder().build().readTree(lines.get(1));
        assertThat(exit.get("exitCode").asInt()).isEqualTo(143);
        assertThat(exit.get("signal").asString()).isEqualTo("SIGTERM");
        assertThat(exit.get("signo").asInt()).isEqualTo(15);
        assertThat(exit.get("oomKilled").asBoolean()).isFalse();
        assertThat(exit.get("exitedAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    }

    /** issue 10: `overseer run -- bash -c 'sleep 100 & exit 0'` left the sleep running after Overseer exited. */
    @Test
    void nothingTheCommandLeftOutlivesTheRun() throws Exception {
        Task t = overseer("run", "--", "/bin/bash", "-c", "sleep 100 >/dev/null & echo $!; setsid sleep 100 >/dev/null & echo $!; exit 0");
        assertThat(t.await().exitCode()).isZero();
        List<Long> left = out(t).stream().map(Long::parseLong).toList();
        try {
            assertThat(left).hasSize(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> left.stream().noneMatch(RunCommandIT::running));
        } finally {
            left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    /** Running, not a zombie waiting for init to reap it. */
    private static boolean running(long pid) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    @Test
    void environmentStartsEmpty() throws Exception {
        Task t = overseer("run", "-e", "A=1", "--", "/usr/bin/env");
        assertThat(t.await().exitCode()).isZero();
        assertThat(out(t)).containsExactly("A=1");
    }

    @Test
    void badFlagIsAUsageError() throws Exception {
        Task t = overseer("run", "--no-such-flag", "--", "/bin/true");
        assertThat(t.await().exitCode()).isEqualTo(2);
        assertThat(String.join("\n", err(t))).contains("Unknown option: '--no-such-flag'").contains("Usage: overseer run");
    }

    @Test
    void badValueNamesTheFlag() throws Exception {
        Task t = overseer("run", "--stdin", "socket", "--", "/bin/true");
        assertThat(t.await().exitCode()).isEqualTo(2);
        assertThat(err(t)).containsExactly("overseer: --stdin: expected inherit or null, got \"socket\"");
    }

    @Test
    void missingCommandExits127NamingIt() throws Exception {
        Task t = overseer("run", "--", "no-such-command-here");
        assertThat(t.await().exitCode()).isEqualTo(127);
        assertThat(err(t)).singleElement().asString().startsWith("overseer: args[0]: no such file or directory")
                .contains("no-such-command-here");
    }

    @Test
    void signalsToOverseerReachTheCommand() throws Exception {
        Task t = overseer("run", "--", "/bin/sh", "-c", "trap 'echo got INT; exit 7' INT; echo ready; while :; do sleep 0.05; done");
        await().atMost(Duration.ofSeconds(20)).until(() -> t.output().tail(LogStream.STDOUT).lines().contains("ready"));
        t.kill(Signal.SIGINT, false); // to the overseer JVM only, as a terminal's Ctrl-C would after the fork
        Exit exit = t.await();
        assertThat(exit.exitCode()).isEqualTo(7);
        assertThat(out(t)).containsExactly("ready", "got INT");
    }

    @Test
    void restartsAndReportsTheExitLogInJson() throws Exception {
        Task t = overseer("run", "--restart", "on-failure", "--max-restarts", "1", "--json", "--",
                "/bin/sh", "-c", "echo attempt; exit 4");
        assertThat(t.await().exitCode()).isEqualTo(4);
        List<String> lines = out(t);
        assertThat(lines).startsWith("attempt", "attempt");
        JsonNode json = JsonMapper.builder().build().readTree(lines.getLast());
        assertThat(json.get("state").asString()).isEqualTo("ERROR");
        assertThat(json.get("restarts").asInt()).isEqualTo(1);
        assertThat(json.get("exitLog")).hasSize(2);
        assertThat(json.get("exitLog").get(0).get("message").asString()).isEqualTo("restart 1 of 1 in 100 ms");
        assertThat(json.get("exitCode").asInt()).isEqualTo(4);
    }

    @Test
    void timeoutRunsTheStopSequenceAndSaysTimeout() throws Exception {
        Task t = overseer("run", "--timeout", "500ms", "--stop-signal", "INT", "--stop-grace", "30s", "--json", "--",
                "/bin/sh", "-c", "trap 'echo got INT; exit 5' INT; echo ready; while :; do sleep 0.05; done");
        assertThat(t.await().exitCode()).isEqualTo(5);
        List<String> lines = out(t);
        assertThat(lines).containsSubsequence("ready", "got INT");
        JsonNode json = JsonMapper.builder().build().readTree(lines.getLast());
        assertThat(json.get("state").asString()).isEqualTo("TIMEOUT");
    }

    @Test
    void aTimeoutWhoseStopSignalIsIgnoredEndsInSigkillAfterTheGrace() throws Exception {
        Task t = overseer("run", "--timeout", "300ms", "--stop-grace", "200ms", "--json", "--",
                "/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.05; done");
        assertThat(t.await().exitCode()).isEqualTo(137);
        JsonNode json = JsonMapper.builder().build().readTree(out(t).getLast());
        assertThat(json.get("state").asString()).isEqualTo("TIMEOUT");
        assertThat(json.get("signal").asString()).isEqualTo("SIGKILL");
    }

    @Test
    void restartAlwaysHasNoCap() throws Exception {
        Task t = overseer("run", "--restart", "always", "--json", "--", "/bin/sh", "-c", "echo run; exit 0");
        // The old foreground stopped after 3 restarts; now only the user stops it.
        await().atMost(Duration.ofSeconds(60)).until(() -> t.output().tail(LogStream.STDOUT).lines().stream()
                .filter("run"::equals).count() >= 6);
        t.kill(Signal.SIGINT, false);
        t.await();
        JsonNode json = JsonMapper.builder().build().readTree(out(t).getLast());
        assertThat(json.get("state").asString()).isEqualTo("KILLED");
        assertThat(json.get("restarts").asInt()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void ctrlCStopsWithTheStopSignalAndNoRestartFollows() throws Exception {
        Task t = overseer("run", "--restart", "always", "--stop-signal", "USR1", "--json", "--", "/bin/sh", "-c",
                "trap 'echo got USR1; exit 9' USR1; echo ready; while :; do sleep 0.05; done");
        await().atMost(Duration.ofSeconds(20)).until(() -> t.output().tail(LogStream.STDOUT).lines().contains("ready"));
        t.kill(Signal.SIGINT, false);
        assertThat(t.await().exitCode()).isEqualTo(9);
        List<String> lines = out(t);
        assertThat(lines).containsSubsequence("ready", "got USR1");
        JsonNode json = JsonMapper.builder().build().readTree(lines.getLast());
        assertThat(json.get("state").asString()).isEqualTo("KILLED");
        assertThat(json.get("restarts").asInt()).isZero();
    }

    @Test
    void aStopSignalThatIsIgnoredEndsInSigkillAfterTheGrace() throws Exception {
        Task t = overseer("run", "--stop-grace", "200ms", "--", "/bin/sh", "-c",
                "trap '' TERM; echo ready; while :; do sleep 0.05; done");
        await().atMost(Duration.ofSeconds(20)).until(() -> t.output().tail(LogStream.STDOUT).lines().contains("ready"));
        t.kill(Signal.SIGTERM, false);
        assertThat(t.await().exitCode()).isEqualTo(137);
    }

    @Test
    void badSupervisionFlagsNameTheFlag() throws Exception {
        Task t = overseer("run", "--timeout", "soon", "--", "/bin/true");
        assertThat(t.await().exitCode()).isEqualTo(2);
        assertThat(err(t)).singleElement().asString().startsWith("overseer: --timeout: expected a duration");
        Task m = overseer("run", "--max-restarts", "2", "--", "/bin/true");
        assertThat(m.await().exitCode()).isEqualTo(2);
        assertThat(err(m)).singleElement().asString().contains("--max-restarts: only with --restart on-failure");
        Task u = overseer("run", "--stop-signal", "SIGNOPE", "--", "/bin/true");
        assertThat(u.await().exitCode()).isEqualTo(2);
        assertThat(err(u)).singleElement().asString().startsWith("overseer: --stop-signal: unknown signal name");
        Task v = overseer("run", "--hostname", "x", "--", "/bin/true");
        assertThat(v.await().exitCode()).isEqualTo(2);
        assertThat(err(v)).singleElement().asString().contains("need --isolate");
    }
}
