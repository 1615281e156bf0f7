package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java client against a real daemon. */
class OverseerClientIT {
    @TempDir
    Path dir;
    private Daemon daemon;
    private OverseerClient client;

    @BeforeEach
    void start() {
        daemon = new Daemon(new NativeRuntime(), dir.resolve("overseer.sock"), dir.resolve("state"), true);
        client = new OverseerClient(daemon.socket());
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private static JsonNode spec(String json) {
        return overseer.wire.Json.MAPPER.readTree(json);
    }

    @Test
    void tasksThroughTheClient() {
        assertThat(client.health().get("status").asString()).isEqualTo("ok");
        client.createTask("default", spec("{\"id\": \"c1\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"echo via client; exit 2\"]}}"));
        client.start("default", "c1");
        assertThat(client.await("default", "c1", Duration.ofSeconds(20)).exitCode()).isEqualTo(2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.logs("default", "c1", "stdout", false, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("via client\n");
        assertThat(client.tasks("default")).hasSize(1);
        client.delete("default", "c1");
        assertThat(client.tasks("default")).isEmpty();
    }

    @Test
    void errorsComeBackWithTheirKind() {
        assertThatThrownBy(() -> client.task("default", "ghost")).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND);
            assertThat(e.getMessage()).contains("task does not exist");
        });
        client.createTask("default", spec("{\"id\": \"s\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]}}"));
        client.start("default", "s");
        assertThatThrownBy(() -> client.start("default", "s")).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
            assertThat(e.getMessage()).isEqualTo("cannot start a running process");
        });
        client.kill("default", "s", "SIGKILL", true);
        assertThat(client.await("default", "s", Duration.ofSeconds(20)).signal()).contains(overseer.core.Signal.SIGKILL);
    }

    @Test
    void errorsComeBackWithTheirFieldAndReason() {
        OverseerException bad = org.assertj.core.api.Assertions.catchThrowableOfType(OverseerException.class, () -> client.createTask(
                "default", spec("{\"id\": \"m\", \"resources\": {\"memoryBytes\": 1}, \"process\": {\"args\": [\"/bin/true\"]}}")));
        assertThat(bad.field()).contains("resources.memoryBytes");
        assertThat(bad.getMessage()).startsWith("resources.memoryBytes: 1 is below the minimum");
        OverseerException missing = org.assertj.core.api.Assertions.catchThrowableOfType(OverseerException.class,
                () -> client.createTask("default", spec("{\"id\": \"gone\", \"process\": {\"args\": [\"/no/such/program\"]}}")));
        assertThat(missing.reason()).isEqualTo(OverseerException.Reason.EXECUTABLE_NOT_FOUND);
        assertThat(missing.field()).contains("args[0]");
        client.createTask("default", spec("{\"id\": \"slow\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]}}"));
        client.start("default", "slow");
        OverseerException waited = org.assertj.core.api.Assertions.catchThrowableOfType(OverseerException.class,
                () -> client.await("default", "slow", Duration.ofMillis(200)));
        assertThat(waited.reason()).isEqualTo(OverseerException.Reason.TIMED_OUT);
        assertThat(waited.getMessage()).isEqualTo("task slow did not exit within 200ms");
        client.kill("default", "slow", "SIGKILL", true);
        client.await("default", "slow", Duration.ofSeconds(20));
        OverseerException late = org.assertj.core.api.Assertions.catchThrowableOfType(OverseerException.class,
                () -> client.kill("default", "slow", "SIGTERM", false));
        assertThat(late.reason()).isEqualTo(OverseerException.Reason.PROCESS_FINISHED);
    }

    @Test
    void eventsThroughTheClient() throws Exception {
        List<String> topics = new java.util.concurrent.CopyOnWriteArrayList<>();
        int before = daemon.tasks().events().subscriberCount(); // the daemon's own (its exit recorder)
        Thread reader = Thread.ofVirtual().start(() -> client.events(List.of("/tasks/*"), "default", e -> {
            topics.add(e.get("topic").asString());
            return !e.get("topic").asString().equals("/tasks/exit");
        }));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> daemon.tasks().events().subscriberCount() > before); // this reader too
        client.createTask("default", spec("{\"id\": \"e\", \"process\": {\"args\": [\"/bin/true\"]}}"));
        client.start("default", "e");
        reader.join(Duration.ofSeconds(10));
        assertThat(topics).containsExactly("/tasks/create", "/tasks/start", "/tasks/exit");
    }

    @Test
    void anAbsentDaemonIsUnavailable() {
        OverseerClient nowhere = new OverseerClient(dir.resolve("no.sock"));
        assertThatThrownBy(nowhere::health).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("is `overseer daemon` running?");
        });
    }

    /**
     * Lambda's local supervisor (internal/lambda/supervisor/local_supervisor.go, Exec): with ExecRequest.Env nil
     * the process inherits the supervisor's environment; an env given, even empty, is the whole environment.
     */
    @Test
    void execWithoutEnvInheritsTheDaemonsEnvironmentAsLambdaDoes() throws Exception {
        client.createTask("default", spec("{\"id\": \"host\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]}}"));
        client.start("default", "host");
        try {
            // /usr/bin/env prints the environment it got, untouched by a shell's defaults
            client.exec("default", "host", "inherits", spec("{\"args\": [\"/usr/bin/env\"]}"));
            client.awaitExec("default", "host", "inherits", Duration.ofSeconds(20));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.logs("default", "host", "inherits", "stdout", false, out);
            List<String> daemons = System.getenv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
            assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).containsExactlyInAnyOrderElementsOf(daemons);

            client.exec("default", "host", "given", spec("{\"args\": [\"/usr/bin/env\"], \"env\": {\"GREETING\": \"only this\"}}"));
            client.awaitExec("default", "host", "given", Duration.ofSeconds(20));
            ByteArrayOutputStream given = new ByteArrayOutputStream();
            client.logs("default", "host", "given", "stdout", false, given);
            assertThat(given.toString(StandardCharsets.UTF_8)).isEqualTo("GREETING=only this\n"); // nothing inherited
        } finally {
            client.kill("default", "host", "SIGKILL", true);
            client.await("default", "host", Duration.ofSeconds(20));
        }
    }

    @Test
    void execStatsAndUpdate() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "limits need cgroups, which need root");
        client.createTask("default", spec("{\"id\": \"box\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]},"
                + " \"resources\": {\"memoryBytes\": 67108864, \"pidsLimit\": 32}}"));
        client.start("default", "box");
        JsonNode started = client.exec("default", "box", "probe", spec("{\"args\": [\"/bin/sh\", \"-c\", \"echo from exec; exit 3\"]}"));
        assertThat(started.get("pid").asLong()).isPositive();
        assertThat(client.awaitExec("default", "box", "probe", Duration.ofSeconds(20)).get("exitCode").asInt()).isEqualTo(3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.logs("default", "box", "probe", "stdout", false, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("from exec\n");

        JsonNode stats = client.stats("default", "box");
        assertThat(stats.get("memoryLimitBytes").asLong()).isEqualTo(64L << 20);
        assertThat(stats.get("pids").asLong()).isGreaterThanOrEqualTo(1);
        client.update("default", "box", spec("{\"memoryBytes\": 134217728}"));
        assertThat(client.stats("default", "box").get("memoryLimitBytes").asLong()).isEqualTo(128L << 20);
        assertThatThrownBy(() -> client.update("default", "box", spec("{\"memoryBytes\": 5}")))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.getMessage()).startsWith("resources.memoryBytes"));
        assertThatThrownBy(() -> client.exec("default", "box", "probe", spec("{\"args\": [\"/bin/true\"]}")))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
        client.kill("default", "box", "SIGKILL", true);
        client.await("default", "box", Duration.ofSeconds(20));
    }

    @Test
    void aTerminalExecIsAttachedResizedAndFedInput() throws Exception {
        client.createTask("default", spec("{\"id\": \"host\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]}}"));
        client.start("default", "host");
        client.createExec("default", "host", "sh", spec("{\"args\": [\"/bin/sh\", \"-c\","
                + " \"read size; stty size; read x; echo got $x; exit 6\"], \"terminal\": true}"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread attached = Thread.ofVirtual().start(() -> client.attach("default", "host", "sh", true, () -> { }, out));
        // Attaching starts it: stdin takes input (here none) once it runs.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            client.stdin("default", "host", "sh", new byte[0], false);
            return true;
        });
        client.resize("default", "host", "sh", 100, 40);
        client.stdin("default", "host", "sh", "go\n".getBytes(StandardCharsets.UTF_8), false);
        client.stdin("default", "host", "sh", "abc\n".getBytes(StandardCharsets.UTF_8), false);
        assertThat(client.awaitExec("default", "host", "sh", Duration.ofSeconds(20)).get("exitCode").asInt()).isEqualTo(6);
        attached.join(Duration.ofSeconds(10));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("40 100").contains("got abc");
        assertThatThrownBy(() -> client.resize("default", "host", "nope", 80, 24))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
        client.kill("default", "host", "SIGKILL", true);
        client.await("default", "host", Duration.ofSeconds(20));
    }
}
