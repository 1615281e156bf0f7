package overseer.server;

import overseer.wire.Json;
import io.helidon.http.Status;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.util.Locale;

/** The one place where error kinds become HTTP statuses, and the {kind, message} body. */
final class ApiError {
    private ApiError() {
    }

    static Status status(OverseerException e) {
        // A full disk is the operator's to fix, not a passing unavailability: WebDAV's 507 says exactly that.
        return e.reason() == OverseerException.Reason.STORAGE_FULL ? Status.INSUFFICIENT_STORAGE_507 : status(e.kind());
    }

    static Status status(ErrorKind kind) {
        return switch (kind) {
            case NOT_FOUND -> Status.NOT_FOUND_404;
            case ALREADY_EXISTS, FAILED_PRECONDITION -> Status.CONFLICT_409;
            case INVALID_ARGUMENT -> Status.BAD_REQUEST_400;
            case UNAVAILABLE -> Status.SERVICE_UNAVAILABLE_503;
            case INTERNAL -> Status.INTERNAL_SERVER_ERROR_500;
        };
    }

    static String body(OverseerException e) {
        return Json.write(Json.object()
                .put("kind", e.kind().name().toLowerCase(Locale.ROOT))
                .put("message", e.getMessage()));
    }
}
