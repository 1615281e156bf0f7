package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that hold the daemon's connections (issue 10, denial of service): each shape here made the daemon
 * wait forever before the connection guard; with short limits each is now answered or closed in time.
 */
class ApiAbuseIT {
    private static final String TOKEN = "0123456789abcdef-abuse-token";
    /** Far beyond every timeout below: a read still blocked then would have waited forever. */
    private static final Duration FOREVER = Duration.ofSeconds(20);
    private static final ApiServer.Limits SHORT = new ApiServer.Limits(64, 3, Duration.ofMillis(400),
            Duration.ofMillis(400), Duration.ofMillis(600));

    @TempDir
    Path dir;
    private Daemon daemon;
    private final List<SocketChannel> clients = new ArrayList<>();

    private void start(ApiServer.Limits limits) {
        daemon = new Daemon(new NativeRuntime(), dir.resolve("a.sock"), Optional.of(new ApiServer.Tcp("127.0.0.1", 0, TOKEN)),
                dir.resolve("state"), true, Optional.empty(), Orphans.STOP, limits);
    }

    @AfterEach
    void stop() throws IOException {
        for (SocketChannel c : clients) {
            c.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    private SocketChannel unix() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        clients.add(c);
        c.connect(UnixDomainSocketAddress.of(daemon.socket()));
        return c;
    }

    private SocketChannel tcp() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET);
        clients.add(c);
        c.connect(new InetSocketAddress("127.0.0.1", daemon.api().tcpPort()));
        return c;
    }

    private static void write(SocketChannel c, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** Everything the server sends until it closes the connection; fails if it does not close within FOREVER. */
    private static String untilClosed(SocketChannel c) throws Exception {
        CompletableFuture<String> all = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(8192);
            try {
                while (c.read(b.clear()) >= 0) {
                    out.write(b.array(), 0, b.position());
                }
                all.complete(out.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                all.complete(out.toString(StandardCharsets.UTF_8) + "[" + e + "]");
            }
        });
        return all.get(FOREVER.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aConnectionThatSendsNothingIsAnswered408AndClosed() throws Exception {
        start(SHORT);
        String answer = untilClosed(unix());
        assertThat(answer).startsWith("HTTP/1.1 408 ").contains("headers not received within 400 ms (--header-timeout)");
        String onTcp = untilClosed(tcp());
        assertThat(onTcp).startsWith("HTTP/1.1 408 ");
    }

    @Test
    void slowlorisHeadersAreCutAtTheHeaderTimeout() throws Exception {
        start(SHORT);
        SocketChannel c = unix();
        write(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
        // One header byte every 50 ms, for ever: the connection is never quiet, its headers never end.
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            trickle.scheduleAtFixedRate(() -> {
                try {
                    write(c, "X");
                } catch (IOException closed) {
                    trickle.shutdown();
                }
            }, 50, 50, TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            assertThat(untilClosed(c)).startsWith("HTTP/1.1 408 ");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        } finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void aContentLengthLargerThanTheBodyIsAnswered408() throws Exception {
        start(SHORT);
        SocketChannel c = unix();
        write(c, "POST /v1/namespaces/default/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"id\": \"a\"");
        assertThat(untilClosed(c)).startsWith("HTTP/1.1 408 ").contains("body not received within 400 ms (--body-timeout)");
        assertThat(new UnixHttp(daemon.socket()).send("GET", "/v1/namespaces/default/tasks", null, null).text()).isEqualTo("[]");
    }

    @Test
    void aChunkedBodyNeverFinishedIsAnswered408() throws Exception {
        start(SHORT);
        SocketChannel c = tcp();
        write(c, "POST /v1/namespaces/default/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"id\"\r\n");
        assertThat(untilClosed(c)).startsWith("HTTP/1.1 408 ").contains("--body-timeout");
    }

    @Test
    void anExpectContinueNeverFollowedIsAnswered408() throws Exception {
        start(SHORT);
        SocketChannel c = unix();
        write(c, "POST /v1/namespaces/default/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 40\r\nExpect: 100-continue\r\n\r\n");
        assertThat(untilClosed(c)).contains("HTTP/1.1 408 ");
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterItsAnswer() throws Exception {
        start(SHORT);
        SocketChannel c = unix();
        write(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        String all = untilClosed(c);
        assertThat(all).startsWith("HTTP/1.1 200 ").contains("{\"status\":\"ok\"}").doesNotContain("408");
    }

    @Test
    void aHandlerSlowerThanTheBodyTimeoutIsNotCut() throws Exception {
        start(SHORT);
        UnixHttp http = new UnixHttp(daemon.socket());
        String spec = "{\"id\": \"s\", \"process\": {\"args\": [\"/bin/sleep\", \"100\"]}}";
        assertThat(http.send("POST", "/v1/namespaces/default/tasks", null, spec.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(201);
        assertThat(http.send("POST", "/v1/namespaces/default/tasks/s/start", null, null).status()).isEqualTo(200);
        // A body, all of it sent, then a handler that takes 1 s (> the 400 ms body timeout): its own answer comes.
        UnixHttp.Response r = http.send("POST", "/v1/namespaces/default/tasks/s/wait?timeout=1", null,
                "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(408);
        assertThat(r.text()).contains("did not exit within 1s");
        UnixHttp.Response stop = http.send("POST", "/v1/namespaces/default/tasks/s/stop", null,
                "{\"timeout\": \"2s\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(stop.status()).as(stop.text()).isBetween(200, 299);
    }

    @Test
    void theListenerCapRefusesTheExcessWith503() throws Exception {
        start(new ApiServer.Limits(5, 64, FOREVER.multipliedBy(3), FOREVER.multipliedBy(3), FOREVER.multipliedBy(3)));
        for (int i = 0; i < 5; i++) {
            unix();
        }
        await().atMost(FOREVER).until(() -> daemon.api().openConnections() == 5);
        assertThat(untilClosed(unix())).startsWith("HTTP/1.1 503 ").contains("already has 5 open connections");
        for (SocketChannel c : clients) {
            c.close();
        }
        // Once they are gone, the listener serves again.
        await().atMost(FOREVER).ignoreExceptions().until(() ->
                new UnixHttp(daemon.socket()).send("GET", "/healthz", null, null).status() == 200);
    }

    @Test
    void thePerPeerCapRefusesUnauthenticatedTcpConnectionsWith429() throws Exception {
        start(new ApiServer.Limits(64, 3, FOREVER.multipliedBy(3), FOREVER.multipliedBy(3), FOREVER.multipliedBy(3)));
        // An authenticated keep-alive connection does not count against its peer's cap of strangers.
        SocketChannel known = tcp();
        write(known, "GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");
        ByteBuffer b = ByteBuffer.allocate(4096);
        await().atMost(FOREVER).until(() -> {
            known.read(b);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).contains("{\"status\":\"ok\"}");
        });
        for (int i = 0; i < 3; i++) {
            tcp();
        }
        await().atMost(FOREVER).until(() -> daemon.api().openConnections() == 4);
        assertThat(untilClosed(tcp())).startsWith("HTTP/1.1 429 ").contains("already has 3 unauthenticated connections");
        // The Unix socket is not a TCP peer: it still answers.
        assertThat(new UnixHttp(daemon.socket()).send("GET", "/healthz", null, null).status()).isEqualTo(200);
    }
}
