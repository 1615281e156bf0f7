package overseer.client;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against a server on a real Unix socket that answers with canned bytes. */
class UnixHttpTest {
    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private Thread acceptor;
    private final AtomicReference<String> lastRequest = new AtomicReference<>();
    private volatile String answer;
    private volatile boolean keepOpen;

    @BeforeEach
    void listen() throws IOException {
        Path sock = dir.resolve("t.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        acceptor = Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try (SocketChannel c = server.accept()) {
                    InputStream in = Channels.newInputStream(c);
                    StringBuilder req = new StringBuilder();
                    for (String l = UnixHttp.line(in); !l.isEmpty(); l = UnixHttp.line(in)) {
                        req.append(l).append('\n');
                    }
                    int len = req.toString().lines().filter(l -> l.startsWith("Content-Length:"))
                            .map(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
                    req.append(new String(in.readNBytes(len), StandardCharsets.UTF_8));
                    lastRequest.set(req.toString());
                    Channels.newOutputStream(c).write(answer.getBytes(StandardCharsets.UTF_8));
                    if (keepOpen) {
                        in.read(); // like a keep-alive server: the connection stays until the client closes it
                    }
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        acceptor.join();
    }

    private UnixHttp client() {
        return new UnixHttp(dir.resolve("t.sock"));
    }

    @Test
    void readsByContentLength() throws IOException {
        answer = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
        UnixHttp.Response r = client().send("POST", "/v1/tasks", null, "{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.headers()).containsEntry("content-type", "application/json");
        assertThat(r.text()).isEqualTo("{\"ok\":true}");
        assertThat(lastRequest.get()).startsWith("POST /v1/tasks HTTP/1.1\n").contains("Content-Length: 10")
                .endsWith("{\"id\":\"a\"}");
    }

    @Test
    void decodesChunkedBodies() throws IOException {
        answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
        assertThat(client().send("GET", "/x", null, null).text()).isEqualTo("hello, world");
    }

    @Test
    void streamsTheBody() throws IOException {
        answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata:1\r\n6\r\ndata:2\r\n0\r\n\r\n";
        String got = client().stream("GET", "/events", (status, headers, body) ->
                status + " " + new String(body.readAllBytes(), StandardCharsets.UTF_8));
        assertThat(got).isEqualTo("200 data:1data:2");
    }

    @Test
    void aStreamedBodyWithALengthEndsThereEvenIfTheConnectionStaysOpen() throws IOException {
        keepOpen = true;
        answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        String got = client().stream("GET", "/logs", (status, headers, body) -> new String(body.readAllBytes(), StandardCharsets.UTF_8));
        assertThat(got).isEqualTo("hello");
    }

    @Test
    void refusesWhatIsNotHttp() {
        answer = "SSH-2.0-OpenSSH\r\n\r\n";
        assertThatThrownBy(() -> client().send("GET", "/", null, null)).isInstanceOf(IOException.class)
                .hasMessageContaining("not an HTTP response");
    }
}
