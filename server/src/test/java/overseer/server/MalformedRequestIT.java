package overseer.server;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shapes that got a 5xx or no answer from a real daemon (issue 10), sent byte for byte over its Unix
 * socket: each must get a 4xx whose message names the field at fault, and the daemon must go on serving.
 */
class MalformedRequestIT extends DaemonFixture {
    private static final Duration ANSWER = Duration.ofSeconds(20);
    private static final String SLEEP = "{\"id\": \"s\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]}}";
    private static final String TASKS = "/v1/namespaces/default/tasks";

    /** A running task "s" for the exec and checkpoint shapes; the fixture kills it with the daemon. */
    @BeforeEach
    void runningTask() throws IOException {
        call("POST", TASKS, SLEEP, 201);
        call("POST", TASKS + "/s/start", null, 200);
    }

    private RawHttp.Answer send(byte[] request, boolean halfClose) throws IOException {
        return RawHttp.exchange(daemon.socket(), request, halfClose, ANSWER);
    }

    /** A 4xx naming {@code field} at the start of its message. */
    private void refused(String what, byte[] request, boolean halfClose, int status, String field) throws IOException {
        RawHttp.Answer a = send(request, halfClose);
        assertThat(a.status()).as("%s -> %s", what, a.body()).isEqualTo(status);
        assertThat(a.body()).as(what).contains("\"kind\":\"invalid_argument\"").contains("\"message\":\"" + field + ": ");
    }

    @Test
    void nulInIdsAndNamespacesInPathsAndBodies() throws IOException {
        refused("create, NUL in the namespace", RawHttp.json("POST", "/v1/namespaces/a%00b/tasks", SLEEP), false, 400, "namespace");
        refused("create, NUL in the id", RawHttp.json("POST", TASKS, SLEEP.replace("\"s\"", "\"a\\u0000b\"")), false, 400, "id");
        refused("list, NUL in the namespace", RawHttp.json("GET", "/v1/namespaces/a%00b/tasks", ""), false, 400, "namespace");
        refused("get, NUL in the id", RawHttp.json("GET", TASKS + "/a%00b", ""), false, 400, "id");
        refused("start, a hidden name as the id", RawHttp.json("POST", TASKS + "/.x/start", ""), false, 400, "id");
        refused("exec, NUL in the task id", RawHttp.json("POST", TASKS + "/a%00/exec", "{}"), false, 400, "id");
        refused("exec, NUL in the execId", RawHttp.json("POST", TASKS + "/s/exec",
                "{\"execId\": \"e\\u0000\", \"process\": {\"args\": [\"/bin/true\"]}}"), false, 400, "execId");
        refused("exec, NUL in the cwd", RawHttp.json("POST", TASKS + "/s/exec",
                "{\"execId\": \"e\", \"process\": {\"args\": [\"/bin/true\"], \"cwd\": \"/\\u0000\"}}"), false, 400, "process.cwd");
        refused("exec start, NUL in the exec id", RawHttp.json("POST", TASKS + "/s/execs/a%00b/start", ""), false, 400, "execId");
        refused("exec wait, a space in the exec id", RawHttp.json("POST", TASKS + "/s/execs/a%20b/wait", ""), false, 400, "execId");
        refused("checkpoint, NUL in the task id", RawHttp.json("POST", TASKS + "/a%00b/checkpoint",
                "{\"path\": \"/tmp/x\"}"), false, 400, "id");
        refused("checkpoint, NUL in the path", RawHttp.json("POST", TASKS + "/s/checkpoint",
                "{\"path\": \"/tmp/a\\u0000b\"}"), false, 400, "path");
        refused("checkpoint, a relative path", RawHttp.json("POST", TASKS + "/s/checkpoint", "{\"path\": \"img\"}"),
                false, 400, "path");
        refused("logs, NUL in the exec", RawHttp.json("GET", TASKS + "/s/logs?exec=a%00b", ""), false, 400, "exec");
        refused("events, NUL in the namespace", RawHttp.json("GET", "/v1/events?namespace=a%00b", ""), false, 400, "namespace");
        refused("job, NUL in the id", RawHttp.json("GET", "/v1/jobs/a%00b", ""), false, 400, "id");
        refused("job submitted with a NUL in its id", RawHttp.json("POST", "/v1/jobs",
                "{\"id\": \"j\\u0000\", \"command\": \"core.system\", \"arguments\": {\"name\": \"/bin/true\"}}"),
                false, 400, "id");
        try (SqliteStateStore copy = new SqliteStateStore(dir.resolve("state/state.db"))) {
            assertThat(copy.jobs()).as("a refused id leaves no record to be taken back").isEmpty();
        }
        refused("job wait, a timeout that is no number", RawHttp.json("POST", "/v1/jobs/x/wait?timeout=soon", ""),
                false, 400, "timeout");
        assertThat(call("GET", TASKS + "/s", null, 200).get("status").asString()).isEqualTo("running");
    }

    @Test
    void wrongContentTypes() throws IOException {
        byte[] b = SLEEP.replace("\"s\"", "\"t\"").getBytes(StandardCharsets.UTF_8);
        for (String type : new String[]{"garbage", "multipart/form-data", "application/x-www-form-urlencoded",
                "image/png", "application/json; charset=nope", "application/json; charset=\"", "application/json; charset=utf-16"}) {
            refused("create as " + type, RawHttp.request("POST", TASKS, type, b.length, b), false, 400, "Content-Type");
        }
        refused("kill as an unknown charset", RawHttp.request("POST", TASKS + "/s/kill", "text/json; charset=nope", 2,
                "{}".getBytes(StandardCharsets.UTF_8)), false, 400, "Content-Type");
        refused("a slice as an image", RawHttp.request("PUT", "/v1/slices/x", "image/png", 2, "{}".getBytes(StandardCharsets.UTF_8)),
                false, 400, "Content-Type");
        // what is JSON by name is taken
        assertThat(send(RawHttp.request("POST", TASKS, "application/json; charset=UTF-8", b.length, b), false).status()).isEqualTo(201);
        call("DELETE", TASKS + "/t", null, 200);
        assertThat(send(RawHttp.request("POST", TASKS, null, b.length, b), false).status()).isEqualTo(201);
    }

    @Test
    void truncatedBodiesAndHalfClosedConnections() throws IOException {
        byte[] b = SLEEP.getBytes(StandardCharsets.UTF_8);
        refused("a body shorter than its Content-Length, then EOF",
                RawHttp.request("POST", TASKS, "application/json", b.length + 50, b), true, 400, "body");
        refused("a truncated exec body, then EOF", RawHttp.request("POST", TASKS + "/s/exec", "application/json", 100,
                "{\"execId\": \"e\"".getBytes(StandardCharsets.UTF_8)), true, 400, "body");
        refused("a truncated checkpoint body, then EOF", RawHttp.request("POST", TASKS + "/s/checkpoint", "application/json", 100,
                "{\"path\": \"/".getBytes(StandardCharsets.UTF_8)), true, 400, "body");
        call("POST", TASKS + "/s/exec", "{\"execId\": \"e\", \"process\": {\"args\": [\"/bin/cat\"], \"stdin\": \"pipe\"}}", 201);
        refused("a truncated stdin body, then EOF", RawHttp.request("POST", TASKS + "/s/execs/e/stdin", "application/octet-stream", 100,
                "abc".getBytes(StandardCharsets.UTF_8)), true, 400, "body");
        refused("a chunked body with a bad chunk size", ("POST " + TASKS + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n").getBytes(StandardCharsets.ISO_8859_1),
                true, 400, "body");
        refused("a request head cut short, then EOF", ("POST " + TASKS + " HTTP/1.1\r\nHost: x\r\nContent-Le")
                .getBytes(StandardCharsets.ISO_8859_1), true, 400, "request");
        refused("no body at all, then EOF", RawHttp.request("POST", TASKS, "application/json", -1, new byte[0]), true, 400, "body");
        refused("a complete JSON prefix cut by EOF", RawHttp.request("POST", TASKS, "application/json", 12,
                "{\"id\": \"s\"".getBytes(StandardCharsets.UTF_8)), true, 400, "body");
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        java.io.ByteArrayOutputStream huge = new java.io.ByteArrayOutputStream();
        huge.writeBytes(("POST " + TASKS + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
                + "Content-Type: application/json\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 20; i++) { // 1.25 MiB, over the 1 MiB limit, with no Content-Length to refuse it by
            huge.writeBytes("10000\r\n".getBytes(StandardCharsets.ISO_8859_1));
            huge.writeBytes(chunk);
            huge.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        huge.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        RawHttp.Answer tooLarge = send(huge.toByteArray(), true);
        assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(413);
        RawHttp.Answer raw = send(("GET /v1/namespaces/a\0b/tasks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), false);
        assertThat(raw.status()).as(raw.body()).isEqualTo(400);
        assertThat(raw.body()).contains("\"message\":\"request: ");
        assertThat(call("GET", "/healthz", null, 200).get("status").asString()).isEqualTo("ok");
    }
}
