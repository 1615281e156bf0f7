package overseer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 10: a flood of idle connections once exhausted the daemon's descriptors, and Helidon's accept loop
 * ended the listener for good ("Got a throwable while listening, this server socket is terminating now").
 * The daemon runs here under prlimit with a small RLIMIT_NOFILE, so that a few hundred connections exhaust it.
 */
class DaemonFloodIT {
    private static final String TOKEN = "0123456789abcdef-flood-token";
    private static final int SOFT = 200;
    private static final int HARD = 400;
    /** More than the daemon's hard limit: accept(2) fails with EMFILE before the flood is all in. */
    private static final int FLOOD = 600;

    @TempDir
    Path dir;

    @Test
    void theListenersAnswerAgainOnceAFloodThatExhaustedTheDescriptorsIsGone() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "needs prlimit(1) (util-linux) to lower RLIMIT_NOFILE");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path token = dir.resolve("token");
        Files.writeString(token, TOKEN);
        // Caps above the descriptors, timeouts longer than the test: only the descriptors limit the flood.
        try (RealDaemon d = new RealDaemon(dir, "--runtime", "native", "--max-connections", "100000",
                "--max-connections-per-peer", "100000", "--header-timeout", "10m", "--idle-timeout", "10m")
                .under("/usr/bin/prlimit", "--nofile=" + SOFT + ":" + HARD, "--")) {
            OverseerClient client = d.start("--tcp", "127.0.0.1:" + port, "--token-file", token.toString());
            long pid = d.pid();
            // At start the daemon raised its soft limit to the hard one.
            assertThat(openFilesLimit(pid)).isEqualTo(HARD + " " + HARD);

            flood(pid, () -> open(StandardProtocolFamily.UNIX, UnixDomainSocketAddress.of(d.socket())));
            await().atMost(RealDaemon.WAIT).ignoreExceptions().until(() -> client.health().get("status").asString().equals("ok"));

            flood(pid, () -> open(StandardProtocolFamily.INET, new InetSocketAddress("127.0.0.1", port)));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .header("Authorization", "Bearer " + TOKEN).build();
            await().atMost(RealDaemon.WAIT).ignoreExceptions()
                    .until(() -> http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            assertThat(client.health().get("status").asString()).isEqualTo("ok");
        }
    }

    @Test
    void byDefaultTheCapKeepsAFloodFromExhaustingTheDescriptors() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "needs prlimit(1) (util-linux) to lower RLIMIT_NOFILE");
        try (RealDaemon d = new RealDaemon(dir, "--runtime", "native", "--header-timeout", "10m")
                .under("/usr/bin/prlimit", "--nofile=" + SOFT + ":" + HARD, "--")) {
            OverseerClient client = d.start();
            long pid = d.pid();
            int cap = DaemonCommand.autoConnections(new overseer.linux.FileLimit(HARD, HARD));
            List<SocketChannel> flood = new ArrayList<>();
            try {
                for (int i = 0; i < FLOOD; i++) {
                    SocketChannel c = open(StandardProtocolFamily.UNIX, UnixDomainSocketAddress.of(d.socket()));
                    if (c != null) {
                        flood.add(c);
                    }
                }
                // The cap's worth are held; the next ones are answered 503 and closed; the rest wait in the backlog.
                await().atMost(RealDaemon.WAIT).until(() -> flood.stream().anyMatch(DaemonFloodIT::refused));
                assertThat(openFiles(pid)).isLessThan(HARD - 100);
            } finally {
                for (SocketChannel c : flood) {
                    c.close();
                }
            }
            assertThat(cap).isEqualTo(36);
            await().atMost(RealDaemon.WAIT).ignoreExceptions().until(() -> client.health().get("status").asString().equals("ok"));
        }
    }

    /** Whether the server answered 503 on this (non-blocking) connection. */
    private static boolean refused(SocketChannel c) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(512);
        try {
            return c.read(b) > 0 && new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.UTF_8)
                    .startsWith("HTTP/1.1 503 ");
        } catch (IOException e) {
            return false;
        }
    }

    /** FLOOD idle connections, held until the daemon is out of descriptors, then all closed. */
    private static void flood(long pid, Supplier<SocketChannel> connect) throws Exception {
        List<SocketChannel> flood = new ArrayList<>();
        try {
            for (int i = 0; i < FLOOD; i++) {
                SocketChannel c = connect.get();
                if (c != null) {
                    flood.add(c);
                }
            }
            await().atMost(RealDaemon.WAIT).until(() -> openFiles(pid) >= HARD - 5);
        } finally {
            for (SocketChannel c : flood) {
                c.close();
            }
        }
    }

    /** A connection, or null once the listener's backlog is full (or the listener is gone). */
    private static SocketChannel open(StandardProtocolFamily family, java.net.SocketAddress to) {
        SocketChannel c;
        try {
            c = SocketChannel.open(family);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            c.configureBlocking(false); // a full backlog refuses at once (EAGAIN) instead of blocking
            c.connect(to);
            return c;
        } catch (IOException refused) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing held
            }
            return null;
        }
    }

    private static int openFiles(long pid) throws IOException {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) fds.count();
        }
    }

    /** "SOFT HARD" of "Max open files" in /proc/PID/limits. */
    private static String openFilesLimit(long pid) throws IOException {
        Matcher m = Pattern.compile("Max open files\\s+(\\d+)\\s+(\\d+)").matcher(Files.readString(Path.of("/proc/" + pid + "/limits")));
        assertThat(m.find()).isTrue();
        return m.group(1) + " " + m.group(2);
    }
}
