package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** UiProxy in this JVM, against a fake daemon that answers what a test tells it to. */
class UiProxyTest {
    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private ServerSocketChannel fake;
    private Thread server;
    private UiProxy proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (fake != null) {
            fake.close();
            server.join();
        }
    }

    /** A fake daemon on a socket of the test's: each connection's request read, then {@code answer} sent. */
    private UiUpstream.Socket daemon(String answer) throws IOException {
        Path sock = dir.resolve("fake.sock");
        fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(sock));
        server = Thread.ofVirtual().start(() -> {
            while (fake.isOpen()) {
                try (SocketChannel c = fake.accept()) {
                    InputStream in = java.nio.channels.Channels.newInputStream(c);
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        head.append((char) b);
                    }
                    c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.ISO_8859_1)));
                } catch (IOException closed) {
                    // the test is over
                }
            }
        });
        return new UiUpstream.Socket(sock);
    }

    private String session() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(proxy.url())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(303);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("overseer-ui-" + proxy.port() + "=");
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    /** Not HTTP, a length that is no number, a head cut short: a 502 that says so, never Helidon's 500. */
    @Test
    void aBadAnswerFromTheDaemonIsA502() throws Exception {
        for (String answer : List.of("garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\nbody",
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", "HTTP/1.1 200 OK\r\nX: " + "y".repeat(70 * 1024) + "\r\n\r\n")) {
            proxy = new UiProxy(daemon(answer), 0);
            String cookie = session();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/v1/tasks"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(answer.substring(0, Math.min(60, answer.length()))).isEqualTo(502);
            assertThat(r.body()).contains("\"kind\":\"unavailable\"", "answered badly");
            if (answer.contains("lots")) {
                assertThat(r.body()).contains("content-length: \\\"lots\\\"");
            }
            stop();
            proxy = null;
            fake = null;
            java.nio.file.Files.deleteIfExists(dir.resolve("fake.sock"));
        }
    }

    /** A browser leaves :80 out of Host: on port 80 the bare host is this listener; on any other port it is not. */
    @Test
    void theBareHostIsThisListenerOnlyOnPort80() {
        assertThat(UiProxy.loopbackHost("127.0.0.1", 80)).isTrue();
        assertThat(UiProxy.loopbackHost("localhost", 80)).isTrue();
        assertThat(UiProxy.loopbackHost("127.0.0.1:80", 80)).isTrue();
        assertThat(UiProxy.loopbackHost("127.0.0.1", 8080)).isFalse();
        assertThat(UiProxy.loopbackHost("127.0.0.1:8080", 8080)).isTrue();
        assertThat(UiProxy.loopbackHost("evil.example", 80)).isFalse();
        assertThat(UiProxy.loopbackHost("127.0.0.1:81", 80)).isFalse();
    }

    @Test
    void onlyThePagesOwnOriginMayChangeAnything() {
        String host = "127.0.0.1:8080";
        assertThat(UiProxy.sameOrigin("GET", host, Optional.of("http://evil.example"), Optional.of("cross-site"))).isTrue();
        assertThat(UiProxy.sameOrigin("POST", host, Optional.of("http://127.0.0.1:8080"), Optional.empty())).isTrue();
        assertThat(UiProxy.sameOrigin("POST", host, Optional.empty(), Optional.of("same-origin"))).isTrue();
        assertThat(UiProxy.sameOrigin("POST", host, Optional.of("http://127.0.0.1:9090"), Optional.of("same-site"))).isFalse();
        assertThat(UiProxy.sameOrigin("DELETE", host, Optional.empty(), Optional.empty())).isFalse();
        assertThat(UiProxy.sameOrigin("POST", host, Optional.of("null"), Optional.empty())).isFalse();
    }
}
