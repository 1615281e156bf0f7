package overseer.server;

import overseer.wire.Json;
import io.helidon.http.Status;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The one place where errors become HTTP: the status of each kind (and of the few reasons that have one of
 * their own), and the body {kind, message[, field][, reason]} every error answer carries.
 */
final class ApiError {
    private ApiError() {
    }

    static Status status(OverseerException e) {
        return switch (e.reason()) {
            // A full disk is the operator's to fix, not a passing unavailability: WebDAV's 507 says exactly that.
            case STORAGE_FULL -> Status.INSUFFICIENT_STORAGE_507;
            case TIMED_OUT -> Status.REQUEST_TIMEOUT_408;
            case TOO_MANY_CONNECTIONS -> Status.TOO_MANY_REQUESTS_429;
            default -> status(e.kind());
        };
    }

    static Status status(ErrorKind kind) {
        return switch (kind) {
            case NOT_FOUND -> Status.NOT_FOUND_404;
            case ALREADY_EXISTS, FAILED_PRECONDITION -> Status.CONFLICT_409;
            case INVALID_ARGUMENT -> Status.BAD_REQUEST_400;
            case UNAVAILABLE -> Status.SERVICE_UNAVAILABLE_503;
            case UNAUTHENTICATED -> Status.UNAUTHORIZED_401;
            case PERMISSION_DENIED -> Status.FORBIDDEN_403;
            case INTERNAL -> Status.INTERNAL_SERVER_ERROR_500;
        };
    }

    /** The field and the reason travel by name, so that a client acts on them without reading the message. */
    static String body(OverseerException e) {
        ObjectNode n = Json.object()
                .put("kind", e.kind().name().toLowerCase(Locale.ROOT))
                .put("message", e.getMessage());
        e.field().ifPresent(f -> n.put("field", f));
        if (e.reason() != OverseerException.Reason.GENERAL) {
            n.put("reason", e.reason().name().toLowerCase(Locale.ROOT));
        }
        return Json.write(n);
    }

    /** A whole HTTP/1.1 answer that closes the connection, for where there is no request to answer through. */
    static byte[] closingResponse(OverseerException e) {
        Status s = status(e);
        byte[] body = body(e).getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + s.code() + " " + s.reasonPhrase() + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }
}
