package overseer.server;

import org.junit.jupiter.api.Test;
import overseer.client.UnixHttp;
import overseer.core.Status;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** The API on a real Unix socket, with the native runtime and the SQLite store. */
class ApiServerIT extends DaemonFixture {
    @Test
    void socketIsForItsOwnerOnly() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket()))).isEqualTo("rw-------");
        assertThat(call("GET", "/healthz", null, 200).get("status").asString()).isEqualTo("ok");
    }

    @Test
    void taskLifecycleOverHttpIsRecorded() throws IOException {
        JsonNode created = call("POST", "/v1/namespaces/default/tasks",
                "{\"id\": \"hello\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"echo hi; exit 3\"]}}", 201);
        assertThat(created.get("status").asString()).isEqualTo("created");
        call("POST", "/v1/namespaces/default/tasks/hello/start", null, 200);
        JsonNode exit = call("POST", "/v1/namespaces/default/tasks/hello/wait?timeout=20", null, 200);
        assertThat(exit.get("exitCode").asInt()).isEqualTo(3);
        assertThat(call("GET", "/v1/namespaces/default/tasks/hello", null, 200).get("status").asString()).isEqualTo("stopped");
        assertThat(call("GET", "/v1/namespaces/default/tasks", null, 200)).hasSize(1);
        assertThat(Files.readString(dir.resolve("state/logs/default/hello.out"))).isEqualTo("hi\n");

        var store = daemon.tasks(); // the store is checked through a second connection below
        assertThat(store.get("default", "hello").status()).isEqualTo(Status.STOPPED);
        try (SqliteStateStore copy = new SqliteStateStore(dir.resolve("state/state.db"))) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> copy.task("default", "hello").orElseThrow().status() == Status.STOPPED);
            assertThat(copy.task("default", "hello").orElseThrow().exit().orElseThrow().exitCode()).isEqualTo(3);
            assertThat(copy.history("default", "hello")).extracting(h -> h.status())
                    .startsWith(Status.CREATED, Status.RUNNING);
        }
        call("DELETE", "/v1/namespaces/default/tasks/hello", null, 200);
        call("GET", "/v1/namespaces/default/tasks/hello", null, 404);
    }

    @Test
    void errorsAreKindAndMessage() throws IOException {
        JsonNode missing = call("GET", "/v1/namespaces/default/tasks/nope", null, 404);
        assertThat(missing.get("kind").asString()).isEqualTo("not_found");
        assertThat(missing.get("message").asString()).contains("task does not exist");

        call("POST", "/v1/namespaces/default/tasks", "{\"id\": \"s\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]}}", 201);
        JsonNode dup = call("POST", "/v1/namespaces/default/tasks", "{\"id\": \"s\", \"process\": {\"args\": [\"/bin/true\"]}}", 409);
        assertThat(dup.get("kind").asString()).isEqualTo("already_exists");
        call("POST", "/v1/namespaces/default/tasks/s/start", null, 200);
        JsonNode busy = call("DELETE", "/v1/namespaces/default/tasks/s", null, 409);
        assertThat(busy.get("message").asString()).isEqualTo("cannot delete a running process");
        assertThat(call("POST", "/v1/namespaces/default/tasks/s/checkpoint", "{\"path\": \"/tmp/x\"}", 503)
                .get("message").asString()).isEqualTo("checkpoint is not supported by this runtime");
        call("POST", "/v1/namespaces/default/tasks/s/kill", "{\"signal\": \"KILL\"}", 200);

        JsonNode bad = call("POST", "/v1/namespaces/default/tasks", "{\"id\": \"x\", \"process\": {\"args\": [\"/bin/true\"], \"colour\": 1}}", 400);
        assertThat(bad.get("message").asString()).startsWith("process.colour: unknown field");
        assertThat(call("POST", "/v1/namespaces/default/tasks", "{\"id\": \"../etc\", \"process\": {\"args\": [\"/bin/true\"]}}", 400)
                .get("message").asString()).startsWith("id: ");
        assertThat(call("GET", "/v2/nothing", null, 404).get("message").asString()).isEqualTo("no route for GET /v2/nothing");
        assertThat(call("POST", "/v1/namespaces/default/tasks", "{\"id\": \"iso\", \"process\": {\"args\": [\"/bin/true\"]},"
                + " \"isolation\": {}}", 503).get("message").asString()).isEqualTo("isolation: this daemon has no OCI runtime (crun or runc, and conmon): isolated tasks cannot run here");
    }

    @Test
    void malformedRequestsNeverGetA5xx() throws IOException {
        String[] bodies = {"", "{", "[]", "null", "{\"id\": 7}", "{\"id\": \"a\", \"process\": []}",
                "{\"id\": \"a\", \"process\": {\"args\": []}}", "{\"id\": \"a\", \"process\": {\"args\": [1]}}",
                "{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"], \"env\": {\"A\": 1}}}",
                "{\"id\": \"a\", \"process\": {\"args\": [\"/nope\"]}}",
                "{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}, \"resources\": {\"memoryBytes\": -5}}",
                "{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}, \"resources\": {\"cpus\": \"lots\"}}",
                "\u0000\u0001garbage", "{\"id\": \"" + "x".repeat(300) + "\", \"process\": {\"args\": [\"/bin/true\"]}}"};
        String[][] elsewhere = {{"GET", "/v1/namespaces/default/tasks/..%2F..%2Fetc"}, {"GET", "/v1/namespaces/..%2Fetc/tasks"},
                {"POST", "/v1/namespaces/default/tasks/nope/start"}, {"POST", "/v1/namespaces/default/tasks/x/kill"},
                {"PUT", "/v1/namespaces/default/tasks"}, {"GET", "/v1/unknown"}, {"DELETE", "/healthz"},
                {"POST", "/v1/namespaces/default/tasks/x/wait?timeout=soon"}, {"GET", "/v1/events?since=yesterday"},
                {"POST", "/v1/jobs"}, {"GET", "/v1/namespaces/default/tasks/x/logs?stream=both"}};
        for (int i = 0; i < 1000; i++) {
            UnixHttp.Response r;
            String what;
            if (i % 2 == 0) {
                String body = bodies[(i / 2) % bodies.length];
                what = "POST tasks " + body;
                r = http.send("POST", "/v1/namespaces/ns" + (i % 3) + "/tasks", null, body.getBytes(StandardCharsets.UTF_8));
            } else {
                String[] route = elsewhere[(i / 2) % elsewhere.length];
                what = route[0] + " " + route[1];
                r = http.send(route[0], route[1], null, route[0].equals("GET") ? null : "{\"kill\": [}".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(r.status()).as("%s -> %s", what, r.text()).isBetween(400, 499);
        }
        UnixHttp.Response huge = http.send("POST", "/v1/namespaces/default/tasks", null, new byte[(int) ApiServer.MAX_BODY + 1]);
        assertThat(huge.status()).isEqualTo(413);
        assertThat(call("GET", "/healthz", null, 200).get("status").asString()).isEqualTo("ok");
    }
}
