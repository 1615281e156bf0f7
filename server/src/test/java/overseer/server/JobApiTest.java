package overseer.server;

import org.junit.jupiter.api.Test;
import overseer.client.UnixHttp;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** 0-core commands submitted over the API; results outlive the daemon. */
class JobApiTest extends DaemonFixture {
    @Test
    void submitWaitAndReadTheResultAfterARestart() throws IOException {
        JsonNode accepted = call("POST", "/v1/jobs", """
                {"id": "j1", "command": "core.system", "arguments": {"name": "/bin/sh", "args": ["-c", "echo done"]},
                 "tags": ["t"]}""", 202);
        assertThat(accepted.get("id").asString()).isEqualTo("j1");
        JsonNode result = call("POST", "/v1/jobs/j1/wait?timeout=20", null, 200);
        assertThat(result.get("state").asString()).isEqualTo("SUCCESS");
        assertThat(result.get("streams").get(0).asString()).isEqualTo("done");
        assertThat(result.get("tags").get(0).asString()).isEqualTo("t");

        restart();
        JsonNode kept = call("GET", "/v1/jobs/j1", null, 200);
        assertThat(kept.get("state").asString()).isEqualTo("SUCCESS");
        assertThat(kept.get("restarts").asInt()).isZero();
        assertThat(kept.get("exitLog")).singleElement().satisfies(e -> assertThat(e.get("message").asString()).isEqualTo("ended"));
    }

    @Test
    void refusedCommandsAnswerAtOnce() throws IOException {
        assertThat(call("POST", "/v1/jobs", "{\"id\": \"u\", \"command\": \"no.such\"}", 400).get("state").asString())
                .isEqualTo("UNKNOWN_CMD");
        call("POST", "/v1/jobs", "{\"id\": \"long\", \"command\": \"core.system\", \"arguments\": {\"name\": \"/bin/sleep\", \"args\": [\"100\"]}}", 202);
        assertThat(call("POST", "/v1/jobs", "{\"id\": \"long\", \"command\": \"core.system\", \"arguments\": {\"name\": \"/bin/true\"}}", 409)
                .get("state").asString()).isEqualTo("DUPILICATE_ID");
        assertThat(call("GET", "/v1/jobs", null, 200)).hasSize(1);
        JsonNode waited = call("POST", "/v1/jobs/long/wait?timeout=0", null, 408);
        assertThat(waited.get("message").asString()).isEqualTo("job long is still running");
        assertThat(waited.get("reason").asString()).isEqualTo("timed_out");
        call("POST", "/v1/jobs/long/kill", null, 202);
        assertThat(call("POST", "/v1/jobs/long/wait?timeout=20", null, 200).get("state").asString()).isEqualTo("KILLED");
        assertThat(call("POST", "/v1/jobs", "{\"command\": \"core.system\", \"max_time\": -1}", 400).get("message").asString())
                .startsWith("max_time: ");
        assertThat(call("GET", "/v1/jobs/never", null, 404).get("kind").asString()).isEqualTo("not_found");
    }

    @Test
    void slicesStartInOrderAndStopInReverse() throws Exception {
        String yaml = """
                services:
                  - name: db
                    command: [/bin/sh, -c, "echo db up; exec sleep 1000"]
                    ready: {match: "db up"}
                  - name: web
                    command: [/bin/sh, -c, "exec sleep 1000"]
                    after: [db]
                    ready: {delay: 100ms}
                """;
        JsonNode started = call("PUT", "/v1/slices/shop", yaml, 201);
        assertThat(started.get("services")).hasSize(2);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                call("GET", "/v1/slices/shop", null, 200).get("services").findValues("state").stream()
                        .allMatch(st -> st.asString().equals("READY")));
        assertThat(call("PUT", "/v1/slices/shop", yaml, 409).get("kind").asString()).isEqualTo("already_exists");
        assertThat(call("PUT", "/v1/slices/bad", "services:\n  - name: a\n    command: [/bin/true]\n    after: [a]\n", 400)
                .get("message").asString()).contains("cycle");
        JsonNode stopped = call("DELETE", "/v1/slices/shop", null, 200);
        assertThat(stopped.get("services").findValues("state")).extracting(JsonNode::asString).containsOnly("STOPPED");
        call("GET", "/v1/slices/shop", null, 404);
    }
}
