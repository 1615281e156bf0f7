package overseer.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 server on a real Unix socket that serves many requests per connection, each answered by a
 * script, and counts what it accepted: enough of a keep-alive server to see what the client does with its
 * connections. Each connection's end (the client closed it, or the script did) is reported on {@link #ended}.
 */
final class KeepAliveServer implements AutoCloseable {
    /** What to do with a request: write {@code bytes} (null: nothing), then close the connection or not. */
    record Reply(String bytes, boolean close) {
        static Reply of(String bytes) {
            return new Reply(bytes, false);
        }
    }

    @FunctionalInterface
    interface Script {
        /** {@code connection} and {@code request} count from 1, the request on its connection. */
        Reply answer(int connection, int request, String head);
    }

    static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    final Path socket;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final List<Thread> handlers = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> channels = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    /** The number of each connection as it ends, in the order they end. */
    final BlockingQueue<Integer> ended = new LinkedBlockingQueue<>();
    /** Every request's head and body, in the order they came. */
    final List<String> seen = new CopyOnWriteArrayList<>();
    volatile Script script;

    KeepAliveServer(Path socket, Script script) throws IOException {
        this.socket = socket;
        this.script = script;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = Thread.ofVirtual().start(() -> {
            while (true) {
                SocketChannel c;
                try {
                    c = server.accept();
                } catch (IOException closed) {
                    return;
                }
                channels.add(c);
                int n = accepted.incrementAndGet();
                handlers.add(Thread.ofVirtual().start(() -> serve(c, n)));
            }
        });
    }

    int accepted() {
        return accepted.get();
    }

    int requests() {
        return requests.get();
    }

    private void serve(SocketChannel c, int connection) {
        try (c) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(c));
            for (int request = 1; ; request++) {
                StringBuilder head = new StringBuilder();
                String first;
                try {
                    first = UnixHttp.line(in);
                } catch (IOException endOfStream) {
                    return; // the client closed the connection between requests
                }
                for (String l = first; !l.isEmpty(); l = UnixHttp.line(in)) {
                    head.append(l).append('\n');
                }
                int len = head.toString().lines().filter(l -> l.regionMatches(true, 0, "Content-Length:", 0, 15))
                        .map(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
                String body = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                requests.incrementAndGet();
                seen.add(head + body);
                Reply r = script.answer(connection, request, head.toString());
                if (r.bytes() != null) {
                    ByteBuffer b = ByteBuffer.wrap(r.bytes().getBytes(StandardCharsets.UTF_8));
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                }
                if (r.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client reset it, or close() below
        } finally {
            ended.add(connection);
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join();
        for (SocketChannel c : channels) {
            c.close();
        }
        for (Thread t : handlers) {
            t.join();
        }
    }
}
