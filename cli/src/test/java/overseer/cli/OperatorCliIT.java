package overseer.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import overseer.core.LogStream;
import overseer.core.Task;
import overseer.wire.Json;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The verbs as people who live in docker and systemctl type them, each a real JVM against a real daemon. */
class OperatorCliIT extends CliFixture {
    @Test
    void theSocketAndNamespaceGoBeforeTheVerbAsDockerHTakesThem() throws Exception {
        Task detached = jvm("--socket", sock().toString(), "-n", "ns2", "run", "-d", "--id", "g", "--", "/bin/sleep", "100");
        assertThat(detached.await().exitCode()).isZero();
        Task ps = jvm("-H", sock().toString(), "-n", "ns2", "ps", "-q");
        assertThat(ps.await().exitCode()).isZero();
        ps.output().drained().join();
        assertThat(ps.output().tail(LogStream.STDOUT).lines()).containsExactly("g");
        assertThat(verb(0, "ps", "-q")).isEmpty(); // not in "default"
        assertThat(verb(0, "ps", "-q", "--all-namespaces")).containsExactly("g");
    }

    @Test
    void psPrintsDockersColumnsAndWordsWithEveryIdInLine() throws Exception {
        String longId = "a-service-with-a-rather-long-name-that-used-to-break-the-columns";
        verb(0, "run", "-d", "--id", longId, "--", "/bin/sleep", "100");
        verb(0, "run", "-d", "--id", "short", "--", "/bin/sh", "-c", "exit 3");
        verb(3, "wait", "short");

        List<String> running = verb(0, "ps");
        assertThat(running).hasSize(2);
        assertThat(running.get(0)).startsWith("ID").contains("COMMAND", "CREATED", "STATUS", "RESTARTS");
        assertThat(running.get(1)).startsWith(longId).contains("\"/bin/sleep 100\"").containsPattern("Up (Less than a second|\\d+ seconds?)");

        List<String> all = verb(0, "ps", "-a");
        assertThat(all).hasSize(3);
        int status = all.get(0).indexOf("STATUS");
        assertThat(all.subList(1, 3)).allSatisfy(row -> assertThat(row.substring(status)).matches("(Up|Exited) .*"));
        assertThat(all).anySatisfy(row -> assertThat(row).startsWith("short").containsPattern("Exited \\(3\\) .* ago"));

        assertThat(verb(0, "ps", "-a", "-q")).containsExactlyInAnyOrder(longId, "short");
        List<String> json = verb(0, "ps", "-a", "--format", "json");
        assertThat(json).hasSize(2).allSatisfy(line -> assertThat(Json.MAPPER.readTree(line).get("createdAt").isString()).isTrue());
        assertThat(stderr(2, "ps", "--format", "yaml")).contains("--format");
    }

    @Test
    void rmTakesManyIdsPrefixesAndForce() throws Exception {
        verb(0, "run", "-d", "--id", "alpha1", "--", "/bin/sleep", "100");
        verb(0, "run", "-d", "--id", "beta1", "--", "/bin/sleep", "100");
        assertThat(stderr(1, "rm", "alp")).contains("alp").contains("running");
        assertThat(verb(0, "rm", "-f", "alp", "be")).containsExactly("alpha1", "beta1");
        assertThat(verb(0, "ps", "-a", "-q")).isEmpty();

        verb(0, "run", "-d", "--id", "w1", "--", "/bin/true");
        verb(0, "run", "-d", "--id", "w2", "--", "/bin/true");
        assertThat(stderr(2, "inspect", "w")).contains("start of 2 tasks").contains("w1, w2");
        assertThat(verb(0, "wait", "w1")).containsExactly("exit status 0");
    }

    @Test
    void stopTakesItsOwnGraceAndWaitADuration() throws Exception {
        // The task ignores SIGTERM and asks for an hour's grace: only -t 1 lets the stop end now.
        verb(0, "run", "-d", "--id", "stubborn", "--stop-grace", "1h", "--", "/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done");
        assertThat(stderr(125, "wait", "--timeout", "500ms", "stubborn")).contains("did not exit within 500ms");
        verb(0, "stop", "-t", "1", "stubborn");
        assertThat(verb(137, "wait", "--timeout", "2s", "stubborn")).containsExactly("signal: killed");
    }

    @Test
    void createTakesEveryFlagOfRunAndStartAttaches() throws Exception {
        verb(0, "create", "--memory", "64m", "--restart", "on-failure:2", "--stop-signal", "INT", "-e", "A=1",
                "c1", "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 4");
        JsonNode spec = Json.MAPPER.readTree(String.join("\n", verb(0, "inspect", "--json", "c1"))).get("spec");
        assertThat(spec.path("resources").path("memoryBytes").asLong()).isEqualTo(64L << 20);
        assertThat(spec.path("stopSignal").asString()).isEqualTo("SIGINT");
        assertThat(spec.path("process").path("env").path("A").asString()).isEqualTo("1");
        assertThat(stderr(2, "create", "--log-file", dir.resolve("x").toString(), "c2", "--", "/bin/true"))
                .contains("--log-file");

        verb(0, "create", "a1", "--", "/bin/sh", "-c", "echo out; exit 4");
        assertThat(verb(4, "start", "-a", "a1")).containsExactly("out");
    }

    @Test
    void logsPrintBothStreamsByDefaultAsDockerLogs() throws Exception {
        verb(0, "run", "-d", "--id", "chatty", "--", "/bin/sh", "-c", "echo to-out; echo to-err >&2");
        verb(0, "wait", "chatty");
        Task logs = ran(0, "logs", "chat");
        assertThat(logs.output().tail(LogStream.STDOUT).lines()).containsExactly("to-out");
        assertThat(logs.output().tail(LogStream.STDERR).lines()).containsExactly("to-err");
        assertThat(verb(0, "logs", "--stderr", "chatty")).containsExactly("to-err");

        verb(0, "run", "-d", "--id", "counter", "--", "/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done");
        verb(0, "wait", "counter");
        assertThat(verb(0, "logs", "--tail", "2", "counter")).containsExactly("line4", "line5");
        assertThat(verb(0, "logs", "--tail", "0", "counter")).isEmpty();
        assertThat(verb(0, "logs", "--tail", "9", "counter")).hasSize(5);
        assertThat(stderr(2, "logs", "--tail", "some", "counter")).contains("--tail");
    }

    @Test
    void execRunsAsTheTasksUserWithItsEnvironmentAndDirectory() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "running as nobody needs root");
        verb(0, "run", "-d", "--id", "svc", "-u", "nobody", "-e", "K=v", "-w", "/tmp", "--", "/bin/sleep", "100");
        assertThat(verb(0, "exec", "svc", "--", "/bin/sh", "-c", "id -un; echo $K; pwd"))
                .containsExactly("nobody", "v", "/tmp");
        assertThat(verb(0, "exec", "-u", "root", "-e", "K=w", "svc", "--", "/bin/sh", "-c", "id -un; echo $K"))
                .containsExactly("root", "w");
        List<String> top = verb(0, "top", "sv");
        assertThat(top.get(0)).matches("UID +PID +PPID +TIME +CMD");
        assertThat(top).anySatisfy(row -> assertThat(row).startsWith("nobody").endsWith("/bin/sleep 100"));
    }

    @Test
    void sizesAndDurationsShareOneGrammar() throws Exception {
        Path log = dir.resolve("run.log");
        assertThat(verb(0, "run", "--log-file", log.toString(), "--log-max-bytes", "50m", "--", "/bin/echo", "hi"))
                .containsExactly("hi");
        assertThat(Files.readString(log)).contains("hi");
        assertThat(stderr(2, "run", "--log-max-bytes", "lots", "--", "/bin/true")).contains("--log-max-bytes");
        assertThat(stderr(2, "wait", "--timeout", "soon", "x")).contains("--timeout");
    }

    @Test
    void completionOffersVerbsFlagValuesAndTaskIds() throws Exception {
        verb(0, "run", "-d", "--id", "completed-one", "--", "/bin/sleep", "100");
        Path script = dir.resolve("completion.bash");
        Process generate = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "generate-completion").redirectOutput(script.toFile()).start();
        assertThat(generate.waitFor()).isZero();
        // What bash runs as "overseer": this JVM's CLI on the test's socket.
        Path overseer = dir.resolve("overseer");
        Files.writeString(overseer, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path") + "' "
                + Main.class.getName() + " --socket '" + sock() + "' \"$@\"\n");
        Files.setPosixFilePermissions(overseer, PosixFilePermissions.fromString("rwx------"));
        assertThat(complete(script, overseer, "kill", "")).contains("completed-one");
        assertThat(complete(script, overseer, "run", "--restart", "")).contains("always", "unless-stopped", "on-failure");
        assertThat(complete(script, overseer, "kill", "--signal", "SIGU")).contains("SIGUSR1", "SIGUSR2");
        assertThat(complete(script, overseer, "res")).contains("restart", "resume");
    }

    @Test
    void helpShowsAnExampleAndTheExitCodes() throws Exception {
        Task help = jvm("help", "stop");
        assertThat(help.await().exitCode()).isZero();
        help.output().drained().join();
        assertThat(String.join("\n", help.output().tail(LogStream.STDOUT).lines()))
                .contains("Example:", "overseer stop -t 30 web", "Exit codes:", "125");
    }

    /** What bash's completion offers after {@code words}, the last being the word being typed. */
    private String complete(Path script, Path overseer, String... words) throws Exception {
        StringBuilder array = new StringBuilder("'" + overseer + "'");
        for (String w : words) {
            array.append(" '").append(w).append("'");
        }
        String probe = "source '" + script + "'; COMP_WORDS=(" + array + "); COMP_CWORD=" + words.length
                + "; COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}; _overseer_with_ids; echo \"${COMPREPLY[*]}\"";
        Process bash = new ProcessBuilder("/bin/bash", "-c", probe).redirectErrorStream(true).start();
        String out = new String(bash.getInputStream().readAllBytes());
        assertThat(bash.waitFor()).as(out).isZero();
        return out;
    }
}
