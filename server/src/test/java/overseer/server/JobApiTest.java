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
                .get("state").asString()).isEqualTo("DUPLICATE_ID");
        assertThat(call("GET", "/v1/jobs", null, 200)).hasSize(1);
        call("POST", "/v1/jobs/long/kill", null, 202);
        assertThat(call("POST", "/v1/jobs/long/wait?timeout=20", null, 200).get("state").asString()).isEqualTo("KILLED");
        assertThat(call("POST", "/v1/jobs", "{\"command\": \"core.system\", \"max_time\": -1}", 400).get("message").asString())
                .startsWith("max_time: ");
        assertThat(call("GET", "/v1/jobs/never", null, 404).get("kind").asString()).isEqualTo("not_found");
    }
}
