package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** `overseer daemon` and the verbs that drive it, each a real JVM, as an operator runs them. */
class DaemonCliIT extends CliFixture {
    @Test
    void aTaskThroughEveryVerb() throws Exception {
        assertThat(verb(0, "create", "web", "--", "/bin/sh", "-c", "echo serving; exec sleep 1000")).containsExactly("web");
        assertThat(verb(0, "ps")).hasSize(1); // docker ps: the running ones only
        assertThat(verb(0, "ps", "-a")).hasSize(2).last().asString().startsWith("web").contains("Created");
        assertThat(verb(0, "start", "web").getFirst()).matches("\\d+");
        assertThat(verb(0, "top", "web")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(verb(0, "inspect", "web")).anySatisfy(l -> assertThat(l).contains("\"status\" : \"running\""));
        verb(0, "pause", "web");
        assertThat(verb(0, "ps", "--json").getFirst()).contains("\"status\":\"paused\"");
        verb(0, "resume", "web");
        verb(0, "kill", "--signal", "KILL", "web");
        assertThat(verb(137, "wait", "web")).containsExactly("signal: killed");
        assertThat(verb(0, "logs", "web")).containsExactly("serving");
        assertThat(verb(0, "rm", "web")).containsExactly("web");
        assertThat(verb(0, "ps", "-a")).hasSize(1);
        // docker rm takes the container's log with it: a new task of the name has only its own output
        verb(0, "run", "-d", "--id", "web", "--", "/bin/sh", "-c", "echo second");
        verb(0, "wait", "web");
        assertThat(verb(0, "logs", "web")).containsExactly("second");
    }

    @Test
    void detachedRunAndErrors() throws Exception {
        assertThat(verb(0, "run", "-d", "--id", "bg", "--", "/bin/sh", "-c", "exit 6")).containsExactly("bg");
        assertThat(verb(6, "wait", "bg")).containsExactly("exit status 6");
        List<String> missing = verb(125, "inspect", "nothing-here");
        assertThat(missing).isEmpty();
        verb(2, "create", "../bad", "--", "/bin/true");
    }

    @Test
    void detachedRunAppliesEverySupervisionAndProcessFlag() throws Exception {
        verb(0, "run", "-d", "--id", "full", "--restart", "on-failure:2", "--stop-signal", "INT", "--stop-grace", "3s",
                "--timeout", "1h", "-e", "A=1", "-w", "/tmp", "--", "/bin/sleep", "100");
        tools.jackson.databind.JsonNode t = overseer.wire.Json.MAPPER.readTree(String.join("\n", verb(0, "inspect", "--json", "full")));
        tools.jackson.databind.JsonNode spec = t.get("spec");
        assertThat(spec.get("restart").get("policy").asString()).isEqualTo("on-failure:2");
        assertThat(spec.get("stopSignal").asString()).isEqualTo("SIGINT");
        assertThat(spec.get("stopGrace").asString()).isEqualTo("3s");
        assertThat(spec.get("maxRuntime").asString()).isEqualTo("1h");
        assertThat(spec.get("process").get("env").get("A").asString()).isEqualTo("1");
        assertThat(spec.get("process").get("cwd").asString()).isEqualTo("/tmp");
        assertThat(t.get("service").get("state").asString()).isEqualTo("running");
        verb(0, "stop", "full");
        assertThat(verb(0, "ps", "-a")).anySatisfy(l -> assertThat(l).startsWith("full").contains("Exited (130)"));
    }

    @Test
    void detachedRunRefusesWhatTheDaemonCannotHonourByName() throws Exception {
        assertThat(stderr(2, "run", "-d", "--log-file", dir.resolve("x.log").toString(), "--", "/bin/true"))
                .contains("--log-file: not with -d");
        assertThat(stderr(2, "run", "-d", "--mount", "/tmp:/tmp", "--", "/bin/true"))
                .contains("need --isolate");
        assertThat(stderr(2, "run", "-d", "--max-restarts", "3", "--", "/bin/true"))
                .contains("--max-restarts: only with --restart on-failure");
        assertThat(stderr(2, "run", "-d", "--stdin", "inherit", "--", "/bin/true")).contains("--stdin inherit: not with -d");
    }

    @Test
    void aDetachedServiceKilledFromOutsideComesBack() throws Exception {
        verb(0, "run", "-d", "--id", "keep", "--restart", "always", "--", "/bin/sleep", "1000");
        tools.jackson.databind.JsonNode t = overseer.wire.Json.MAPPER.readTree(String.join("\n", verb(0, "inspect", "--json", "keep")));
        long pid = t.get("pid").asLong();
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            tools.jackson.databind.JsonNode now = overseer.wire.Json.MAPPER.readTree(String.join("\n", verb(0, "inspect", "--json", "keep")));
            return now.get("status").asString().equals("running") && now.get("pid").asLong() != pid;
        });
        assertThat(verb(0, "ps")).anySatisfy(l -> assertThat(l).startsWith("keep").contains("Up").contains(" 1 "));
    }

    @Test
    void execStatsAndUpdateVerbs() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "limits need cgroups, which need root");
        verb(0, "run", "-d", "--id", "lim", "--memory", "64m", "--", "/bin/sleep", "100");
        assertThat(verb(5, "exec", "--exec-id", "e1", "lim", "--", "/bin/sh", "-c", "echo inside; exit 5"))
                .containsExactly("inside");
        assertThat(verb(0, "stats", "--no-stream", "lim").get(1)).startsWith("lim").contains("/ 64MiB");
        verb(0, "update", "--memory", "128m", "lim");
        assertThat(verb(0, "stats", "--no-stream", "lim").get(1)).contains("/ 128MiB");
        verb(0, "kill", "--signal", "KILL", "lim");
        verb(137, "wait", "lim");
    }

    @Test
    void execWithATerminalAttached() throws Exception {
        verb(0, "run", "-d", "--id", "shell", "--", "/bin/sleep", "100");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "exec", "--socket", sock().toString(), "-i", "-t", "--exec-id", "t1", "shell", "--",
                "/bin/sh", "-c", "tty; read x; echo \"got $x\"; stty size; exit 3"));
        Task t = tasks.run(TaskSpec.of("cli-tty", ProcessSpec.builder(cmd).stdin(overseer.core.Redirect.PIPE)
                .captureOutput().logs(new overseer.core.LogConfig(overseer.core.Framing.RAW, 1000, java.util.Optional.empty()))
                .build()));
        await().atMost(Duration.ofSeconds(30)).until(() -> String.join("", t.output().tail(LogStream.STDOUT).lines())
                .contains("/dev/pts/"));
        t.stdin().write("abc\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        t.closeStdin();
        assertThat(t.await().exitCode()).isEqualTo(3);
        t.output().drained().join();
        String out = String.join("", t.output().tail(LogStream.STDOUT).lines());
        assertThat(out).contains("/dev/pts/").contains("got abc");
        assertThat(verb(0, "logs", "shell")).isEmpty();
    }

    @Test
    void eventsVerbPrintsEventsAsTheyHappen() throws Exception {
        Task events = jvm("events", "--socket", sock().toString(), "--topic", "/tasks/exit");
        // The verb subscribes when its JVM is up; tasks exit again and again until one exit is seen.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String id = "ev" + IDS.incrementAndGet();
            verb(0, "run", "-d", "--id", id, "--", "/bin/true");
            verb(0, "wait", id);
            return events.output().tail(LogStream.STDOUT).lines().stream().anyMatch(l -> l.contains("\"/tasks/exit\""));
        });
        events.kill(Signal.SIGKILL, false);
    }

    @Test
    void sigtermStopsTheDaemonCleanly() throws Exception {
        daemon.kill(Signal.SIGTERM, false);
        assertThat(daemon.await().exitCode()).isZero();
        assertThat(Files.exists(sock())).isFalse();
    }
}
