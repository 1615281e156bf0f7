package overseer.server;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import overseer.core.OverseerException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Refuses, with 401, every request on the TCP listener that does not carry the daemon's bearer token. */
final class BearerToken implements Filter {
    private final byte[] expected;

    BearerToken(String token) {
        this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        byte[] given = req.headers().first(io.helidon.http.HeaderNames.AUTHORIZATION).orElse("")
                .getBytes(StandardCharsets.UTF_8);
        // MessageDigest.isEqual takes the same time wherever the first difference is.
        if (MessageDigest.isEqual(expected, given)) {
            ConnectionGuard.authenticated(); // no longer counted against its peer's cap of strangers
            chain.proceed();
            return;
        }
        if (open(req)) {
            chain.proceed(); // still a stranger: its connection stays counted against its peer's cap
            return;
        }
        OverseerException e = OverseerException.unauthenticated("a bearer token is required");
        res.status(ApiError.status(e)).header("Content-Type", "application/json")
                .header("WWW-Authenticate", "Bearer")
                .send(ApiError.body(e));
    }

    /**
     * The status page's own files (GET / and /ui/...): they hold no data, and a browser cannot send a header
     * when it opens a URL; the page then asks for the token and sends it on every API call.
     */
    static boolean open(RoutingRequest req) {
        if (req.prologue().method() != io.helidon.http.Method.GET) {
            return false;
        }
        String path = req.path().path();
        return path.equals("/") || path.startsWith("/ui/");
    }
}
