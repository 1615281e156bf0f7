package overseer.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.OverseerException;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * GET / and GET /ui/{asset}: the status page (docs/observability.md), five files served from the jar. They
 * hold no data (the page fetches it from the API with the listener's own auth), so on TCP they load without
 * the token and the page asks for it when the API answers 401 (see {@link BearerToken#open}).
 */
final class StatusPage implements HttpService {
    /**
     * Only the page's own files and the API of the origin it came from; no inline script or style, no frames.
     * img-src data: is the empty favicon (a browser asks /favicon.ico otherwise, a 404 in every console).
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** A file of the page: its bytes, its type and its entity tag (a digest: a new jar, a new tag). */
    record Asset(String name, String contentType, byte[] bytes, String etag) {
        static Asset load(String name, String contentType) {
            try (InputStream in = StatusPage.class.getResourceAsStream("ui/" + name)) {
                if (in == null) {
                    throw OverseerException.internal("status page: ui/" + name + " is missing from the jar", null);
                }
                byte[] bytes = in.readAllBytes();
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
                return new Asset(name, contentType, bytes, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
            } catch (IOException | NoSuchAlgorithmException e) {
                throw OverseerException.internal("status page: cannot read ui/" + name + ": " + e.getMessage(), e);
            }
        }
    }

    private final Asset index = Asset.load("index.html", "text/html; charset=utf-8");
    private final Map<String, Asset> assets = Map.of(
            "app.js", Asset.load("app.js", "text/javascript; charset=utf-8"),
            "table.js", Asset.load("table.js", "text/javascript; charset=utf-8"),
            "detail.js", Asset.load("detail.js", "text/javascript; charset=utf-8"),
            "app.css", Asset.load("app.css", "text/css; charset=utf-8"));

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{asset}", this::asset);
    }

    void index(ServerRequest req, ServerResponse res) {
        send(req, res, index);
    }

    private void asset(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("asset");
        Asset a = assets.get(name);
        if (a == null) {
            throw OverseerException.notFound("status page: no asset named \"%s\"", name);
        }
        send(req, res, a);
    }

    /**
     * no-cache with an entity tag: the browser keeps the file but asks each time, and a daemon upgraded in
     * place is seen at the next load (the names carry no version to make them immutable).
     */
    private static void send(ServerRequest req, ServerResponse res, Asset a) {
        res.header("Cache-Control", "no-cache")
                .header("ETag", a.etag())
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "no-referrer");
        if (req.headers().first(HeaderNames.IF_NONE_MATCH).map(a.etag()::equals).orElse(false)) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header("Content-Type", a.contentType()).send(a.bytes());
    }
}
