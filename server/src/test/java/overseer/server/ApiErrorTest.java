package overseer.server;

import io.helidon.http.Status;
import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.wire.Json;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Every error answer's status and body come from ApiError: the kind, and the field and reason by name. */
class ApiErrorTest {
    @Test
    void theBodyCarriesTheFieldAndTheReason() {
        JsonNode n = Json.read(ApiError.body(OverseerException.executableNotFound("no such file or directory: \"x\"")));
        assertThat(n.get("kind").asString()).isEqualTo("invalid_argument");
        assertThat(n.get("message").asString()).isEqualTo("args[0]: no such file or directory: \"x\"");
        assertThat(n.get("field").asString()).isEqualTo("args[0]");
        assertThat(n.get("reason").asString()).isEqualTo("executable_not_found");
    }

    @Test
    void aPlainErrorHasNeitherFieldNorReason() {
        JsonNode n = Json.read(ApiError.body(OverseerException.notFound("task does not exist: default/x")));
        assertThat(n.propertyNames()).containsExactly("kind", "message");
    }

    @Test
    void reasonsWithAStatusOfTheirOwn() {
        assertThat(ApiError.status(OverseerException.timedOut("task x did not exit within 1s"))).isEqualTo(Status.REQUEST_TIMEOUT_408);
        assertThat(ApiError.status(OverseerException.storageFull("disk full", null))).isEqualTo(Status.INSUFFICIENT_STORAGE_507);
        assertThat(ApiError.status(new OverseerException(ErrorKind.UNAVAILABLE, OverseerException.Reason.TOO_MANY_CONNECTIONS,
                "connections: too many", null))).isEqualTo(Status.TOO_MANY_REQUESTS_429);
        assertThat(ApiError.status(OverseerException.unauthenticated("a bearer token is required"))).isEqualTo(Status.UNAUTHORIZED_401);
        assertThat(ApiError.status(OverseerException.aboutField(ErrorKind.PERMISSION_DENIED, "host", "not this daemon")))
                .isEqualTo(Status.FORBIDDEN_403);
        assertThat(ApiError.status(OverseerException.processFinished())).isEqualTo(Status.CONFLICT_409);
    }

    @Test
    void aClosingResponseIsAWholeHttpAnswer() {
        String raw = new String(ApiError.closingResponse(OverseerException.timedOut("request: headers not received within 5 ms")),
                StandardCharsets.UTF_8);
        String body = "{\"kind\":\"unavailable\",\"message\":\"request: headers not received within 5 ms\",\"reason\":\"timed_out\"}";
        assertThat(raw).isEqualTo("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n" + body);
    }
}
