package overseer.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's kept-alive connections, against a keep-alive server on a real Unix socket. */
class KeepAliveTest {
    private static final byte[] SPEC = "{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private KeepAliveServer server;
    private UnixHttp http;

    private void serve(KeepAliveServer.Script script) throws IOException {
        server = new KeepAliveServer(dir.resolve("k.sock"), script);
        http = new UnixHttp(server.socket);
    }

    @AfterEach
    void close() throws Exception {
        if (http != null) {
            http.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The number of the next connection to end, failing if none ends within 10 s. */
    private int nextEnded() throws InterruptedException {
        Integer n = server.ended.poll(10, TimeUnit.SECONDS);
        assertThat(n).as("a connection ended within 10 s").isNotNull();
        return n;
    }

    @Test
    void oneConnectionServesManyRequestsOfEveryShape() throws Exception {
        serve((conn, req, head) -> KeepAliveServer.Reply.of(
                head.startsWith("GET /chunked") ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
                        : head.startsWith("GET /missing") ? "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}"
                        : head.startsWith("DELETE") ? "HTTP/1.1 204 No Content\r\n\r\n"
                        : KeepAliveServer.ok("{\"n\":" + req + "}")));
        for (int i = 1; i <= 100; i++) {
            assertThat(http.send("GET", "/v1/tasks/a", null, null).text()).isEqualTo("{\"n\":" + i + "}");
        }
        // A body sent, a chunked answer with a trailer, an error, an answer without a body: the connection stays.
        assertThat(http.send("POST", "/v1/tasks", null, SPEC).text()).isEqualTo("{\"n\":101}");
        assertThat(http.send("GET", "/chunked", null, null).text()).isEqualTo("abc");
        assertThat(http.send("GET", "/missing", null, null).status()).isEqualTo(404);
        assertThat(http.send("DELETE", "/v1/tasks/a", null, null).status()).isEqualTo(204);
        assertThat(http.send("GET", "/v1/tasks/a", null, null).text()).isEqualTo("{\"n\":105}");
        assertThat(server.accepted()).isEqualTo(1);
        assertThat(http.connectionsOpened()).isEqualTo(1);
        assertThat(server.seen.get(100)).startsWith("POST /v1/tasks HTTP/1.1\n").doesNotContain("Connection:")
                .contains("Content-Length: 10").endsWith("{\"id\":\"a\"}");
        assertThat(http.idleConnections()).isEqualTo(1);
        http.close();
        assertThat(nextEnded()).as("close() closes the idle connection").isEqualTo(1);
        assertThat(http.idleConnections()).isZero();
    }

    @Test
    void callersAtOnceEachGetAConnectionAndTheyAreKeptForTheNext() throws Exception {
        serve((conn, req, head) -> KeepAliveServer.Reply.of(KeepAliveServer.ok("{}")));
        try (var callers = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            for (int round = 0; round < 3; round++) {
                var all = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
                for (int i = 0; i < 4; i++) {
                    all.add(callers.submit(() -> {
                        for (int n = 0; n < 50; n++) {
                            http.send("GET", "/x", null, null);
                        }
                        return 50;
                    }));
                }
                for (var f : all) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(50);
                }
            }
        }
        assertThat(server.requests()).isEqualTo(600);
        // Never more connections than callers at once; 600 requests on connection-per-request would be 600.
        assertThat(server.accepted()).isBetween(1, 4);
        assertThat(http.idleConnections()).isEqualTo(server.accepted());
    }

    @Test
    void anIdleConnectionTheServerClosedIsReplacedForAGetAndForAPostNotYetSent() throws Exception {
        // Every connection answers one request and then closes, as the daemon closes one idle past its timeout.
        serve((conn, req, head) -> new KeepAliveServer.Reply(KeepAliveServer.ok("{\"c\":" + conn + "}"), true));
        assertThat(http.send("GET", "/a", null, null).text()).isEqualTo("{\"c\":1}");
        assertThat(nextEnded()).isEqualTo(1);
        assertThat(http.idleConnections()).as("the client has not noticed").isEqualTo(1);
        assertThat(http.send("GET", "/a", null, null).text()).isEqualTo("{\"c\":2}");
        assertThat(nextEnded()).isEqualTo(2);
        // A POST on the closed connection: its write fails before a byte went, so it is sent on a new one.
        assertThat(http.send("POST", "/v1/tasks", null, SPEC).text()).isEqualTo("{\"c\":3}");
        assertThat(server.requests()).isEqualTo(3);
        assertThat(http.connectionsOpened()).isEqualTo(3);
    }

    @Test
    void aRequestTheServerDroppedUnansweredIsSentAgainOnlyIfIdempotent() throws Exception {
        // The first connection answers its first request, then reads the second and closes without an answer:
        // the server closing the idle connection just as the request arrived.
        serve((conn, req, head) -> conn == 1 && req == 2 ? new KeepAliveServer.Reply(null, true)
                : KeepAliveServer.Reply.of(KeepAliveServer.ok("{\"c\":" + conn + "}")));
        http.send("GET", "/a", null, null);
        assertThat(http.send("GET", "/a", null, null).text()).as("sent again on a new connection").isEqualTo("{\"c\":2}");
        assertThat(server.requests()).isEqualTo(3);

        server.script = (conn, req, head) -> conn == 2 && req == 2 ? new KeepAliveServer.Reply(null, true)
                : KeepAliveServer.Reply.of(KeepAliveServer.ok("{\"c\":" + conn + "}"));
        assertThatThrownBy(() -> http.send("POST", "/v1/tasks/a/start", null, null)).isInstanceOf(IOException.class)
                .hasMessageContaining("POST /v1/tasks/a/start").hasMessageContaining("not sent again");
        assertThat(server.requests()).as("the POST went once").isEqualTo(4);
        assertThat(http.idleConnections()).isZero();
        assertThat(http.send("GET", "/a", null, null).text()).isEqualTo("{\"c\":3}");
    }

    @Test
    void aFailureOnANewConnectionIsNotRetried() throws Exception {
        serve((conn, req, head) -> new KeepAliveServer.Reply(null, true));
        assertThatThrownBy(() -> http.send("GET", "/a", null, null)).isInstanceOf(IOException.class)
                .hasMessageContaining("connection closed before the end of the response head");
        assertThat(server.requests()).isEqualTo(1);
        assertThat(http.idleConnections()).isZero();
    }

    @Test
    void connectionCloseAndABodyUntilTheEndAreNotKept() throws Exception {
        serve((conn, req, head) -> req == 1 && head.startsWith("GET /close")
                ? KeepAliveServer.Reply.of("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
                : new KeepAliveServer.Reply("HTTP/1.1 200 OK\r\n\r\nuntil the end", true));
        assertThat(http.send("GET", "/close", null, null).text()).isEqualTo("{}");
        assertThat(http.idleConnections()).isZero();
        assertThat(nextEnded()).as("the client closed it").isEqualTo(1);
        assertThat(http.send("GET", "/eof", null, null).text()).isEqualTo("until the end");
        assertThat(http.idleConnections()).isZero();
        assertThat(server.accepted()).isEqualTo(2);
    }

    @Test
    void aHalfReadStreamIsNeverReused() throws Exception {
        // An event stream that never ends: the head, one event, and the connection held open.
        serve((conn, req, head) -> head.startsWith("GET /events")
                ? KeepAliveServer.Reply.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\ndata: 1\n\r\n")
                : KeepAliveServer.Reply.of(KeepAliveServer.ok("{}")));
        http.send("GET", "/warm", null, null);
        String first = http.stream("GET", "/events", (status, headers, body) -> {
            return new String(body.readNBytes(8), StandardCharsets.UTF_8);
        });
        assertThat(first).isEqualTo("data: 1\n");
        assertThat(server.seen.get(1)).contains("Connection: close");
        assertThat(nextEnded()).as("the stream's connection, closed by the client").isEqualTo(2);
        assertThat(http.idleConnections()).as("only the first, kept from before").isEqualTo(1);
        http.send("GET", "/after", null, null);
        assertThat(server.accepted()).isEqualTo(2);
        assertThat(server.seen.get(2)).startsWith("GET /after");
    }

    @Test
    void connectionsIdleLongerThanTheClientsLimitAreClosedNotReused() throws Exception {
        serve((conn, req, head) -> KeepAliveServer.Reply.of(KeepAliveServer.ok("{\"c\":" + conn + "}")));
        http.close();
        http = new UnixHttp(server.socket, 8, Duration.ofNanos(1));
        assertThat(http.send("GET", "/a", null, null).text()).isEqualTo("{\"c\":1}");
        assertThat(http.send("GET", "/a", null, null).text()).isEqualTo("{\"c\":2}");
        assertThat(nextEnded()).isEqualTo(1);
    }

    @Test
    void noPoolSendsConnectionClose() throws Exception {
        serve((conn, req, head) -> KeepAliveServer.Reply.of(KeepAliveServer.ok("{}")));
        http.close();
        http = new UnixHttp(server.socket, 0, UnixHttp.DEFAULT_MAX_IDLE_TIME);
        http.send("GET", "/a", null, null);
        http.send("GET", "/a", null, null);
        assertThat(server.seen).allMatch(r -> r.contains("Connection: close"));
        assertThat(server.accepted()).isEqualTo(2);
        assertThat(http.idleConnections()).isZero();
    }

    @Test
    void badPoolSettingsNameTheirField() {
        assertThatThrownBy(() -> new UnixHttp(dir.resolve("x"), -1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxIdle");
        assertThatThrownBy(() -> new UnixHttp(dir.resolve("x"), 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxIdleTime");
    }
}
