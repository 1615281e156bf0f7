package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The status page's files on both listeners: types, caching, the CSP, and what the token guards on TCP. */
class StatusPageIT {
    private static final String TOKEN = "status-page-test-token-0123456789";
    @TempDir
    Path dir;
    private Daemon daemon;
    private UnixHttp http;
    private final HttpClient tcp = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        daemon = new Daemon(new NativeRuntime(), dir.resolve("overseer.sock"),
                Optional.of(new ApiServer.Tcp("127.0.0.1", 0, TOKEN)), dir.resolve("state"), true);
        http = new UnixHttp(daemon.socket());
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void theSocketServesThePageItsScriptAndItsStyleWithTheirTypesAndAStrictPolicy() throws IOException {
        Map<String, String> types = Map.of("/", "text/html; charset=utf-8", "/ui/app.js", "text/javascript; charset=utf-8",
                "/ui/table.js", "text/javascript; charset=utf-8", "/ui/detail.js", "text/javascript; charset=utf-8",
                "/ui/app.css", "text/css; charset=utf-8");
        for (Map.Entry<String, String> e : types.entrySet()) {
            UnixHttp.Response r = http.send("GET", e.getKey(), null, null);
            assertThat(r.status()).as(e.getKey()).isEqualTo(200);
            assertThat(r.headers()).containsEntry("content-type", e.getValue())
                    .containsEntry("cache-control", "no-cache")
                    .containsEntry("x-content-type-options", "nosniff")
                    .containsEntry("content-security-policy", StatusPage.CONTENT_SECURITY_POLICY)
                    .containsKey("etag");
            assertThat(r.body()).isNotEmpty();
        }
        assertThat(StatusPage.CONTENT_SECURITY_POLICY).contains("default-src 'none'", "script-src 'self'",
                "connect-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
        UnixHttp.Response missing = http.send("GET", "/ui/secrets.txt", null, null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.text()).contains("no asset named \\\"secrets.txt\\\"");
    }

    @Test
    void anUnchangedFileIsNotSentAgain() throws IOException {
        String etag = http.send("GET", "/ui/app.js", null, null).headers().get("etag");
        assertThat(raw("GET /ui/app.js HTTP/1.1\r\nHost: overseer\r\nIf-None-Match: " + etag
                + "\r\nConnection: close\r\n\r\n").status()).isEqualTo(304);
        assertThat(raw("GET /ui/app.js HTTP/1.1\r\nHost: overseer\r\nIf-None-Match: \"old\"\r\nConnection: close\r\n\r\n")
                .status()).isEqualTo(200);
    }

    /** Through `ssh -L 8080:/run/overseer/overseer.sock` the page is opened as http://localhost:8080/. */
    @Test
    void everyUrlOfThePageIsRelativeAndServed() throws IOException {
        String page = http.send("GET", "/", null, null).text();
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page);
        List<String> refs = m.results().map(r -> r.group(1)).toList();
        assertThat(refs).containsSubsequence("ui/app.js", "ui/table.js", "ui/detail.js").contains("ui/app.css");
        for (String ref : refs) {
            if (ref.startsWith("data:")) {
                continue;
            }
            assertThat(ref).as("relative, so the page works under any forwarded origin").doesNotStartWith("/").doesNotContain("//");
            assertThat(http.send("GET", "/" + ref, null, null).status()).as(ref).isEqualTo(200);
        }
        for (String js : List.of("app.js", "table.js", "detail.js")) {
            String script = http.send("GET", "/ui/" + js, null, null).text();
            assertThat(Pattern.compile("(?:fetch|api|json)\\('/").matcher(script).find()).as("%s: API calls are relative", js).isFalse();
        }
    }

    @Test
    void onTcpThePageLoadsWithoutTheTokenButItsDataDoesNot() throws Exception {
        String base = "http://127.0.0.1:" + daemon.api().tcpPort();
        for (String open : List.of("/", "/ui/app.js", "/ui/table.js", "/ui/detail.js", "/ui/app.css")) {
            assertThat(get(base + open, null).statusCode()).as(open).isEqualTo(200);
        }
        HttpResponse<String> data = get(base + "/v1/tasks", null);
        assertThat(data.statusCode()).isEqualTo(401);
        assertThat(data.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        assertThat(get(base + "/v1/tasks", TOKEN).statusCode()).isEqualTo(200);
        assertThat(get(base + "/metrics", null).statusCode()).isEqualTo(401);
        // Only GET of the page's files is open: a POST to / is the API's, and needs the token.
        HttpResponse<String> post = tcp.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(401);
    }

    /** A page whose DNS name was rebound to the forwarded port still names itself in Host: refused. */
    @Test
    void theSocketRefusesAForeignHostName() throws IOException {
        for (String host : List.of("evil.example", "evil.example:8080", "attacker.example.com.", "a_b.attacker.tld",
                "a_b.attacker.tld:8080", "x.y_z", "localhost.evil.example")) {
            RawHttp.Answer a = raw("GET /v1/tasks HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
            assertThat(a.status()).as(host).isEqualTo(403);
            assertThat(a.body()).contains("DNS rebinding");
        }
        for (String host : List.of("overseer", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "ui.localhost",
                "%2Frun%2Foverseer%2Foverseer.sock")) {
            assertThat(raw("GET /v1/tasks HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").status())
                    .as(host).isEqualTo(200);
        }
    }

    /**
     * Any web page's {@code fetch('http://127.0.0.1:8080/v1/namespaces/default/tasks', {mode: 'no-cors', method:
     * 'POST', body})} through {@code ssh -L 8080:socket}: no Content-Type, no preflight, and its Host is the
     * forwarded port. Its browser says where it came from: refused, nothing is created.
     */
    @Test
    void aCrossSitePostThroughAForwardedSocketIsRefusedByItsHeaders() throws IOException {
        String body = "{\"id\": \"pwned\", \"process\": {\"args\": [\"/bin/true\"]}}";
        for (String headers : List.of("Sec-Fetch-Site: cross-site\r\nOrigin: http://evil.example\r\n",
                "Sec-Fetch-Site: same-site\r\n", "Origin: http://evil.example\r\n", "Origin: http://127.0.0.1:9090\r\n",
                "Origin: null\r\n")) {
            RawHttp.Answer a = raw("POST /v1/namespaces/default/tasks HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n" + headers
                    + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
            assertThat(a.status()).as(headers).isEqualTo(403);
            assertThat(a.body()).as(headers).containsAnyOf("sec-fetch-site: ", "origin: ").contains("\"kind\":\"permission_denied\"");
        }
        assertThat(http.send("GET", "/v1/namespaces/default/tasks/pwned", null, null).status()).isEqualTo(404);
        // the page itself (same-origin, or the address bar), and the CLI that sends neither header
        for (String headers : List.of("Sec-Fetch-Site: same-origin\r\nOrigin: http://127.0.0.1:8080\r\n",
                "Sec-Fetch-Site: none\r\n", "Origin: http://localhost\r\n", "")) {
            String host = headers.contains("localhost") ? "localhost" : "127.0.0.1:8080";
            assertThat(raw("GET /v1/tasks HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "Connection: close\r\n\r\n")
                    .status()).as(headers).isEqualTo(200);
        }
    }

    /**
     * A quiet host: no event for the page's stream to carry. The daemon writes an SSE comment after
     * {@link EventRoutes#KEEPALIVE}, so a stream whose page went away (a reload) is noticed and its
     * subscription closed, not held until some event.
     */
    @Test
    void anIdleEventStreamIsKeptAliveAndItsClosingIsNoticed() throws Exception {
        overseer.core.EventBus bus = daemon.tasks().events();
        int before = bus.subscriberCount();
        StringBuilder seen = new StringBuilder();
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(daemon.socket()));
            ch.write(java.nio.ByteBuffer.wrap("GET /v1/events?topic=/tasks/* HTTP/1.1\r\nHost: overseer\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
            java.io.InputStream in = java.nio.channels.Channels.newInputStream(ch);
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    for (int c = in.read(); c >= 0; c = in.read()) {
                        synchronized (seen) {
                            seen.append((char) c);
                        }
                    }
                } catch (IOException closed) {
                    // the test closed it
                }
            });
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
                    synchronized (seen) {
                        return seen.indexOf(": subscribed") >= 0;
                    }
                });
                assertThat(bus.subscriberCount()).isEqualTo(before + 1);
                org.awaitility.Awaitility.await().atMost(EventRoutes.KEEPALIVE.plusSeconds(10)).until(() -> {
                    synchronized (seen) {
                        return seen.indexOf(": keepalive") >= 0;
                    }
                });
            } finally {
                ch.close();
                reader.join();
            }
        }
        // closed by the client with nothing published: gone at the next keepalive, not held
        org.awaitility.Awaitility.await().atMost(EventRoutes.KEEPALIVE.multipliedBy(2).plusSeconds(10))
                .until(() -> bus.subscriberCount() == before);
    }

    private RawHttp.Answer raw(String request) throws IOException {
        return RawHttp.exchange(daemon.socket(), request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), false,
                java.time.Duration.ofSeconds(20));
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return tcp.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
