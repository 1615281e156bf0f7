package overseer.server;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import overseer.core.OverseerException;

import java.nio.charset.StandardCharsets;

/**
 * What Helidon answers on its own, before or beside the routes, given the API's {kind, message} body and a
 * 4xx where the client is at fault: a request line or header it cannot parse, a connection that ends in the
 * middle of the request head or body. Only a fault of the server's own stays a 500.
 */
final class MalformedRequests {
    private MalformedRequests() {
    }

    /** The direct handlers of every listener. */
    static DirectHandlers handlers() {
        DirectHandler h = new Handler();
        return DirectHandlers.builder()
                .addHandler(DirectHandler.EventType.BAD_REQUEST, h)
                .addHandler(DirectHandler.EventType.INTERNAL_ERROR, h)
                .build();
    }

    /** The route error for an exception escaping a handler that is not an OverseerException. */
    static OverseerException classify(Throwable e) {
        if (causedBy(e, DataReader.InsufficientDataAvailableException.class)) {
            return OverseerException.invalidField("body", "the connection ended before the whole body arrived");
        }
        if (e instanceof HttpException h && h.status().code() >= 400 && h.status().code() < 500) {
            return OverseerException.invalidField("request", "%s", h.getMessage());
        }
        return OverseerException.internal(e.getClass().getSimpleName(), e);
    }

    static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Helidon calls these with the message only. An INTERNAL_ERROR reaches a direct handler only for a
     * Throwable escaping the HTTP/1 connection's own reading of a request (the routes' errors are all answered
     * by the routing's error handlers, where a fault of the server's is still a 500); in practice that is a
     * connection ended in the middle of the request head, so it is answered as the client's fault. Helidon
     * logs the throwable (WARNING "Internal server error") before this is called, so nothing is hidden.
     */
    private static final class Handler implements DirectHandler {
        @Override
        public TransportResponse handle(TransportRequest request, EventType type, Status status,
                                        ServerResponseHeaders headers, String message) {
            if (type == EventType.INTERNAL_ERROR) {
                return answer(Status.BAD_REQUEST_400, headers, OverseerException.invalidField("request", "cannot be read: the connection ended before the request head was complete, or it is malformed"));
            }
            return answer(status, headers, OverseerException.invalidField("request", "%s",
                    message == null || message.isBlank() ? "malformed" : message));
        }

        private static TransportResponse answer(Status status, ServerResponseHeaders headers, OverseerException e) {
            headers.set(HeaderNames.CONTENT_TYPE, "application/json");
            return TransportResponse.builder().status(status).headers(headers).keepAlive(false)
                    .entity(ApiError.body(e).getBytes(StandardCharsets.UTF_8)).build();
        }
    }
}
