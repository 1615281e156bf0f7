package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs (0-core commands) and slices across daemon restarts: in-process daemons on one state directory, the
 * first closed without stopping its tasks, the next taking them back.
 */
class JobRecoveryIT {
    private static final Duration LONG = Duration.ofSeconds(20);
    @TempDir
    Path dir;
    private final List<Daemon> daemons = new ArrayList<>();
    private UnixHttp http;

    @BeforeEach
    void start() {
        http = new UnixHttp(daemon().socket());
    }

    @AfterEach
    void stop() {
        daemons.reversed().forEach(Daemon::close);
        // Whatever the daemons left running: one more takes it back and stops it.
        new Daemon(new NativeRuntime(), dir.resolve("d.sock"), dir.resolve("state"), true).close();
    }

    private Daemon daemon() {
        Daemon d = new Daemon(new NativeRuntime(), dir.resolve("d.sock"), dir.resolve("state"), false);
        daemons.add(d);
        return d;
    }

    /** Closes the daemon, leaving its jobs running, and starts a new one on the same state. */
    private void restartDaemon() {
        daemons.removeLast().close();
        http = new UnixHttp(daemon().socket());
    }

    private JsonNode call(String method, String path, String body, int expected) throws IOException {
        UnixHttp.Response r = http.send(method, path, null, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.status()).as("%s %s -> %s", method, path, text).isEqualTo(expected);
        return overseer.wire.Json.MAPPER.readTree(text);
    }

    private static String sh(String id, String script, String more) {
        return """
                {"id": "%s", "command": "core.system", "arguments": {"name": "/bin/sh", "args": ["-c", "%s"]}%s}"""
                .formatted(id, script, more);
    }

    private List<String> lines(Path f) throws IOException {
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && !procState(pid).equals("Z");
    }

    private static String procState(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return s.substring(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "gone";
        }
    }

    @Test
    void aRunningJobIsTakenBackWithItsProcess() throws Exception {
        call("POST", "/v1/jobs", """
                {"id": "long", "command": "core.system", "arguments": {"name": "/bin/sleep", "args": ["1000"]},
                 "max_restart": 3}""", 202);
        await().atMost(LONG).until(() -> call("GET", "/v1/jobs/long", null, 200).get("pid").asLong() > 0);
        long pid = call("GET", "/v1/jobs/long", null, 200).get("pid").asLong();

        restartDaemon();
        JsonNode job = call("GET", "/v1/jobs/long", null, 200);
        assertThat(job.get("running").asBoolean()).isTrue();
        assertThat(job.get("pid").asLong()).as("the same process, not a new run").isEqualTo(pid);
        assertThat(job.get("restarts").asInt()).isZero();
        assertThat(alive(pid)).isTrue();

        call("POST", "/v1/jobs/long/kill", null, 202);
        JsonNode result = call("POST", "/v1/jobs/long/wait?timeout=20", null, 200);
        assertThat(result.get("state").asString()).isEqualTo("KILLED");
        await().atMost(LONG).until(() -> !alive(pid));
        JsonNode stored = call("GET", "/v1/jobs/long", null, 200);
        assertThat(stored.get("state").asString()).as("the result is the store's now").isEqualTo("KILLED");
        assertThat(stored.get("restarts").asInt()).as("a killed job is not restarted").isZero();

        restartDaemon(); // a job whose result is stored is not taken back again
        assertThat(call("GET", "/v1/jobs", null, 200)).isEmpty();
        assertThat(call("GET", "/v1/jobs/long", null, 200).get("state").asString()).isEqualTo("KILLED");
    }

    @Test
    void aJobWhoseProcessDiedWhileNoDaemonRanHasItsPolicyApplied() throws Exception {
        call("POST", "/v1/jobs", """
                {"id": "flaky", "command": "core.system", "arguments": {"name": "/bin/sleep", "args": ["1000"]},
                 "max_restart": 3}""", 202);
        await().atMost(LONG).until(() -> call("GET", "/v1/jobs/flaky", null, 200).get("pid").asLong() > 0);
        long pid = call("GET", "/v1/jobs/flaky", null, 200).get("pid").asLong();
        daemons.removeLast().close(); // the daemon stops; its job runs on
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        await().atMost(LONG).until(() -> !alive(pid));
        http = new UnixHttp(daemon().socket());
        await().atMost(LONG).until(() -> {
            JsonNode j = call("GET", "/v1/jobs/flaky", null, 200);
            return j.get("restarts").asInt() == 1 && j.get("pid").asLong() > 0 && j.get("pid").asLong() != pid;
        });
        JsonNode first = call("GET", "/v1/jobs/flaky", null, 200).get("lastResult");
        assertThat(first.get("state").asString()).isEqualTo("ERROR");
        call("POST", "/v1/jobs/flaky/kill", null, 202);
        assertThat(call("POST", "/v1/jobs/flaky/wait?timeout=20", null, 200).get("state").asString()).isEqualTo("KILLED");
    }

    @Test
    void queuedJobsKeepTheirOrderAcrossARestart() throws Exception {
        Path log = dir.resolve("order.log");
        String q = ", \"queue\": \"q\"";
        call("POST", "/v1/jobs", sh("q-c", "echo c >> " + log + "; exec sleep 1000", q), 202);
        call("POST", "/v1/jobs", sh("q-a", "echo a >> " + log + "; sleep 0.3; echo a-done >> " + log, q), 202);
        call("POST", "/v1/jobs", sh("q-b", "echo b >> " + log, q), 202);
        await().atMost(LONG).until(() -> lines(log).equals(List.of("c")));

        restartDaemon();
        assertThat(call("GET", "/v1/jobs", null, 200).findValues("id")).extracting(JsonNode::asString)
                .containsExactlyInAnyOrder("q-c", "q-a", "q-b");
        assertThat(call("GET", "/v1/jobs/q-a", null, 200).get("pid").asLong()).as("still queued").isZero();
        await().during(Duration.ofMillis(500)).atMost(LONG).until(() -> lines(log).equals(List.of("c")));

        call("POST", "/v1/jobs/q-c/kill", null, 202);
        await().atMost(LONG).until(() -> lines(log).size() == 4);
        assertThat(lines(log)).as("one at a time, in the order submitted").containsExactly("c", "a", "a-done", "b");
        assertThat(call("POST", "/v1/jobs/q-b/wait?timeout=20", null, 200).get("state").asString()).isEqualTo("SUCCESS");
        assertThat(call("GET", "/v1/jobs/q-c", null, 200).get("state").asString()).isEqualTo("KILLED");
    }

    @Test
    void aRecurringJobIsReArmed() throws Exception {
        Path log = dir.resolve("ticks.log");
        call("POST", "/v1/jobs", sh("tick", "echo tick >> " + log, ", \"recurring_period\": 1"), 202);
        await().atMost(LONG).until(() -> lines(log).size() >= 1);

        restartDaemon();
        int before = lines(log).size();
        assertThat(call("GET", "/v1/jobs/tick", null, 200).get("running").asBoolean()).isTrue();
        await().atMost(LONG).until(() -> lines(log).size() >= before + 2);
        JsonNode job = call("GET", "/v1/jobs/tick", null, 200);
        assertThat(job.get("restarts").asInt()).as("its runs go on counting").isGreaterThanOrEqualTo(before + 1);
        call("POST", "/v1/jobs/tick/kill", null, 202);
        assertThat(call("POST", "/v1/jobs/tick/wait?timeout=20", null, 200).get("state").asString()).isEqualTo("KILLED");
    }

    @Test
    void aSliceServiceRunsOnAcrossARestartWithoutASecondProcess() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String yaml = """
                services:
                  - name: cache
                    command: [/usr/bin/redis-server, --port, "%d", --save, "", --appendonly, "no"]
                    ready: {match: "Ready to accept connections"}
                    restart: always
                """.formatted(port);
        call("PUT", "/v1/slices/shop", yaml, 201);
        await().atMost(LONG).until(() -> call("GET", "/v1/slices/shop", null, 200).get("services").get(0)
                .get("state").asString().equals("READY"));
        long pid = call("GET", "/v1/jobs/shop-cache", null, 200).get("pid").asLong();
        assertThat(redises(port)).containsExactly(pid);

        restartDaemon();
        JsonNode cache = call("GET", "/v1/slices/shop", null, 200).get("services").get(0);
        assertThat(cache.get("state").asString()).isEqualTo("READY");
        assertThat(cache.get("reason").asString()).isEqualTo("taken back running");
        // No second redis on the port (which would crash-loop on "Address already in use"), no restart.
        await().during(Duration.ofSeconds(2)).atMost(LONG).until(() -> redises(port).equals(List.of(pid))
                && call("GET", "/v1/jobs/shop-cache", null, 200).get("restarts").asInt() == 0
                && call("GET", "/v1/jobs/shop-cache", null, 200).get("pid").asLong() == pid);

        JsonNode stopped = call("DELETE", "/v1/slices/shop", null, 200);
        assertThat(stopped.get("services").get(0).get("state").asString()).isEqualTo("STOPPED");
        await().atMost(LONG).until(() -> redises(port).isEmpty());
        call("GET", "/v1/slices/shop", null, 404);

        restartDaemon(); // a deleted slice is not started again
        call("GET", "/v1/slices/shop", null, 404);
        await().during(Duration.ofMillis(500)).atMost(LONG).until(() -> redises(port).isEmpty());
    }

    /** The live redis-server processes listening on {@code port}, by their command line. */
    private static List<Long> redises(int port) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    // redis rewrites its title to "/usr/bin/redis-server *:PORT"
                    return cmd.contains("redis-server") && (cmd.contains(":" + port) || cmd.contains(" " + port + " "))
                            && alive(Long.parseLong(p.getFileName().toString()));
                } catch (IOException | RuntimeException e) {
                    return false;
                }
            }).map(p -> Long.parseLong(p.getFileName().toString())).sorted().toList();
        }
    }
}
