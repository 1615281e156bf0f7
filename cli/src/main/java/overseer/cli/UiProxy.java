package overseer.cli;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.client.Http1;
import overseer.core.OverseerException;
import overseer.wire.Json;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * `overseer ui`'s listener: 127.0.0.1 only, every request forwarded to the daemon (the status page and its API
 * calls alike). The browser proves itself with a cookie, got once for the one-time token of the printed URL
 * (HttpOnly, SameSite=Strict: no script reads it, no other site's page sends it); a second use of that token
 * is refused. Host must name this port on loopback, so a page whose DNS name was rebound here is refused; and
 * as SameSite does not tell ports apart, a request that changes anything must come from this page's origin.
 */
final class UiProxy implements AutoCloseable {
    /** The cookie's name is this port's: a browser keeps cookies per host, not per port, so two uis would share one. */
    static final String COOKIE_PREFIX = "overseer-ui-";
    /** The daemon's headers the browser is given; hop-by-hop ones and the rest stay here. */
    private static final List<String> PASSED = List.of("content-type", "cache-control", "etag", "content-security-policy",
            "x-content-type-options", "x-frame-options", "referrer-policy", "www-authenticate", "location", "retry-after");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_HEAD = 64 * 1024;

    private final UiUpstream upstream;
    private final String oneTimeToken = secret();
    private final AtomicBoolean tokenUsed = new AtomicBoolean();
    /** The cookie's value once the one-time token was exchanged; until then no cookie is good. */
    private volatile String session;
    private final WebServer server;

    UiProxy(UiUpstream upstream, int port) {
        this.upstream = upstream;
        try {
            this.server = WebServer.builder().host("127.0.0.1").port(port).shutdownHook(false)
                    .maxPayloadSize(1 << 20)
                    .routing(r -> r.any(this::handle))
                    .build().start();
        } catch (RuntimeException e) {
            throw OverseerException.unavailable("--port %d: cannot listen on 127.0.0.1: %s", port,
                    e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    /**
     * Asks the daemon's /healthz before listening: no daemon, or a token it refuses, is said at once (exit 125)
     * rather than as a page of errors later.
     */
    static void check(UiUpstream upstream) {
        try (SocketChannel ch = upstream.connect()) {
            Http1.RequestHead h = new Http1.RequestHead("GET", "/healthz", upstream.host()).header("Connection", "close");
            upstream.authorization().ifPresent(a -> h.header("Authorization", a));
            OutputStream out = Channels.newOutputStream(ch);
            out.write(h.bytes());
            out.flush();
            int status = status(line(new BufferedInputStream(Channels.newInputStream(ch))));
            if (status == 401) {
                throw OverseerException.failedPrecondition("--token-file: %s refused the token", upstream.describe());
            }
            if (status != 200) {
                throw OverseerException.unavailable("%s answered /healthz with %d", upstream.describe(), status);
            }
        } catch (IOException e) {
            throw OverseerException.unavailable("cannot reach %s: %s (is the daemon running?)", upstream.describe(),
                    e.getMessage());
        }
    }

    int port() {
        return server.port();
    }

    /** What the operator opens: the one-time token in the query, exchanged for the cookie at once. */
    String url() {
        return "http://127.0.0.1:" + port() + "/?token=" + oneTimeToken;
    }

    private static String secret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** This listener's cookie: {@link #COOKIE_PREFIX} and the port. */
    String cookie() {
        return COOKIE_PREFIX + port();
    }

    /**
     * Whether {@code host} names this loopback port: 127.0.0.1 or localhost with it, or without it on port 80
     * (a browser leaves the scheme's default port out of Host).
     */
    static boolean loopbackHost(String host, int port) {
        for (String name : List.of("127.0.0.1", "localhost")) {
            if (host.equals(name + ":" + port) || (port == 80 && host.equals(name))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a request that changes something (any method but GET and HEAD) came from this listener's own page:
     * SameSite=Strict does not tell ports apart, so a page of any other port of 127.0.0.1 would have its POST
     * sent with the cookie. A browser names the page's origin in Origin, or says same-origin in Sec-Fetch-Site.
     */
    static boolean sameOrigin(String method, String host, Optional<String> origin, Optional<String> fetchSite) {
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        return origin.map(("http://" + host)::equals).orElse(false) || fetchSite.map("same-origin"::equals).orElse(false);
    }

    private void handle(ServerRequest req, ServerResponse res) throws IOException {
        String host = req.headers().first(HeaderNames.HOST).orElse("");
        if (!loopbackHost(host, port())) {
            refuse(res, Status.FORBIDDEN_403, "permission_denied", "host: \"" + host.replaceAll("[^A-Za-z0-9.:\\[\\]-]", "?")
                    + "\" is not this loopback port (a guard against DNS rebinding); open the URL overseer ui printed");
            return;
        }
        Optional<String> token = req.query().first("token").asOptional();
        if (token.isPresent() && req.path().path().equals("/")) {
            exchange(token.get(), res);
            return;
        }
        if (!hasSession(req)) {
            refuse(res, Status.UNAUTHORIZED_401, "unauthenticated",
                    "open the URL overseer ui printed: its one-time token is exchanged for this browser's cookie");
            return;
        }
        String method = req.prologue().method().text();
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (!sameOrigin(method, host, origin, req.headers().first(HeaderNames.create("Sec-Fetch-Site")))) {
            refuse(res, Status.FORBIDDEN_403, "permission_denied", "origin: \"" + origin.orElse("").replaceAll("[^A-Za-z0-9.:/\\[\\]-]", "?")
                    + "\" is not this page's (http://" + host + "): a " + method + " from another page is refused"
                    + " (a guard against cross-site requests)");
            return;
        }
        try {
            forward(req, res);
        } catch (IOException e) {
            // a bad answer from the daemon (not HTTP, a head too long, a bad length, closed early)
            if (!res.isSent()) {
                refuse(res, Status.BAD_GATEWAY_502, "unavailable", upstream.describe() + " answered badly: " + e.getMessage());
            }
        }
    }

    /** The one-time token for the cookie, then a redirect that takes the token out of the address bar. */
    private void exchange(String given, ServerResponse res) {
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), oneTimeToken.getBytes(StandardCharsets.UTF_8))) {
            refuse(res, Status.FORBIDDEN_403, "permission_denied", "token: not this overseer ui's token");
            return;
        }
        if (!tokenUsed.compareAndSet(false, true)) {
            refuse(res, Status.FORBIDDEN_403, "permission_denied",
                    "token: this one-time link was used already; run overseer ui again for a new one");
            return;
        }
        String s = secret();
        session = s;
        res.status(Status.SEE_OTHER_303).header("Location", "/")
                .header("Set-Cookie", cookie() + "=" + s + "; Path=/; HttpOnly; SameSite=Strict")
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").send();
    }

    private boolean hasSession(ServerRequest req) {
        String s = session;
        if (s == null) {
            return false;
        }
        byte[] expected = s.getBytes(StandardCharsets.UTF_8);
        String name = cookie() + "=";
        for (String header : req.headers().all(HeaderNames.COOKIE, List::of)) {
            for (String pair : header.split(";")) {
                String p = pair.strip();
                if (p.startsWith(name)
                        && MessageDigest.isEqual(expected, p.substring(name.length()).getBytes(StandardCharsets.UTF_8))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The request to the daemon as it came (less the cookie), the answer back as it arrives: streams stay live. */
    private void forward(ServerRequest req, ServerResponse res) throws IOException {
        String query = req.query().rawValue();
        String target = req.path().rawPath() + (query.isEmpty() ? "" : "?" + query);
        String method = req.prologue().method().text();
        byte[] body = req.content().hasEntity() ? req.content().inputStream().readAllBytes() : null;
        SocketChannel ch;
        try {
            ch = upstream.connect();
        } catch (IOException e) {
            refuse(res, Status.BAD_GATEWAY_502, "unavailable", "cannot reach " + upstream.describe() + ": " + e.getMessage());
            return;
        }
        try (ch) {
            Http1.RequestHead h = new Http1.RequestHead(method, target, upstream.host()).header("Connection", "close");
            upstream.authorization().ifPresent(a -> h.header("Authorization", a));
            for (String name : List.of("Content-Type", "If-None-Match", "Accept")) {
                req.headers().first(HeaderNames.create(name)).ifPresent(v -> h.header(name, v));
            }
            if (body != null) {
                h.header("Content-Length", body.length);
            }
            OutputStream up = Channels.newOutputStream(ch);
            up.write(h.bytes());
            if (body != null) {
                up.write(body);
            }
            up.flush();
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            int status = status(line(in));
            // the whole head is read before anything of it is given to the browser: a bad one is a clean 502
            List<String[]> passed = new java.util.ArrayList<>();
            Long length = null;
            boolean chunked = false;
            int size = 0;
            for (String l = line(in); !l.isEmpty(); l = line(in)) {
                if ((size += l.length()) > MAX_HEAD) {
                    throw new IOException("the daemon's response headers exceed " + MAX_HEAD + " bytes");
                }
                Http1.Header field = Http1.Header.parse(l);
                if (field == null) {
                    continue;
                }
                String name = field.name();
                String value = field.value();
                if (name.equals("content-length")) {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("content-length: \"" + value + "\" from the daemon is not a number");
                    }
                } else if (name.equals("transfer-encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                } else if (PASSED.contains(name)) {
                    passed.add(new String[] {name, value});
                }
            }
            res.status(Status.create(status));
            for (String[] p : passed) {
                res.header(p[0], p[1]);
            }
            if (status == 204 || status == 304 || method.equals("HEAD")) {
                res.send();
                return;
            }
            InputStream from = chunked ? Http1.chunked(in) : length != null ? limited(in, length) : in;
            copy(from, res);
        }
    }

    /** Each piece as it comes (an event, a log line): flushed at once, never held for a fuller buffer. */
    private static void copy(InputStream from, ServerResponse res) {
        byte[] buf = new byte[16 * 1024];
        try (OutputStream out = res.outputStream()) {
            for (int n = from.read(buf); n >= 0; n = from.read(buf)) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | java.io.UncheckedIOException gone) {
            // the browser went away (a closed stream, a new page) or the daemon did: the connection ends with it
        }
    }

    private static InputStream limited(InputStream in, long length) {
        return new java.io.FilterInputStream(in) {
            private long left = length;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    private static int status(String statusLine) throws IOException {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
            throw new IOException("not an HTTP response from the daemon: " + statusLine);
        }
        return Integer.parseInt(parts[1]);
    }

    static String line(InputStream in) throws IOException {
        return Http1.line(in, MAX_HEAD, "the daemon closed the connection in a response head");
    }

    private static void refuse(ServerResponse res, Status status, String kind, String message) {
        res.status(status).header("Content-Type", "application/json").header("Cache-Control", "no-store")
                .send(Json.write(Json.object().put("kind", kind).put("message", message)));
    }

    @Override
    public void close() {
        server.stop();
    }
}
