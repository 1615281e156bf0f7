package overseer.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import overseer.client.ConnectionPool.Conn;

/**
 * A small HTTP/1.1 client for a Unix domain socket, which the JDK's HttpClient cannot dial. Bodies are read by
 * Content-Length or chunked transfer coding, or streamed for event streams.
 *
 * <p>Connections are kept alive: a connection goes back to a small pool of idle ones once its response has been
 * read to the end, and the next request takes it instead of connecting again. A connection is never reused after
 * an error, after a response that says {@code Connection: close} or that ends only where the connection ends,
 * nor after a streamed response ({@link #stream}: events, log follow, attach), whose connection is always its own.
 * The server closes idle connections (the daemon after its idle timeout, 120 s by default), and this client drops
 * the ones idle longer than {@link #DEFAULT_MAX_IDLE_TIME}; a request on an idle connection the server had closed
 * is sent again, once and on a new connection, when nothing of it was sent or its method is idempotent.
 *
 * <p>Close the client to close its idle connections; one left unreachable has them closed by a cleaner.
 */
public final class UnixHttp implements AutoCloseable {
    private static final int MAX_HEADER = 64 * 1024;
    /** Idle connections kept; callers beyond this many at once open connections that are closed after use. */
    public static final int DEFAULT_MAX_IDLE = 8;
    /** Well under the daemon's default idle timeout, so that the server is not closing it as it is reused. */
    public static final Duration DEFAULT_MAX_IDLE_TIME = Duration.ofSeconds(30);
    /** RFC 9110 §9.2.2: sending one of these twice has the effect of sending it once. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");
    private static final Cleaner CLEANER = Cleaner.create(r -> Thread.ofPlatform().daemon().name("overseer-client-cleaner")
            .unstarted(r));

    private final Path socket;
    private final ConnectionPool pool;
    private final Cleaner.Cleanable cleanable;
    private final AtomicLong opened = new AtomicLong();

    public UnixHttp(Path socket) {
        this(socket, DEFAULT_MAX_IDLE, DEFAULT_MAX_IDLE_TIME);
    }

    /** {@code maxIdle} 0 turns keep-alive off: every request on a connection of its own. */
    public UnixHttp(Path socket, int maxIdle, Duration maxIdleTime) {
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle: " + maxIdle + " must not be negative");
        }
        if (maxIdleTime.isNegative() || maxIdleTime.isZero()) {
            throw new IllegalArgumentException("maxIdleTime: " + maxIdleTime + " must be positive");
        }
        this.socket = socket;
        this.pool = new ConnectionPool(maxIdle, maxIdleTime.toNanos());
        this.cleanable = CLEANER.register(this, pool);
    }

    /** A response read whole. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** How many connections this client has opened, reused ones counted once. */
    public long connectionsOpened() {
        return opened.get();
    }

    /** How many idle connections wait in the pool now. */
    int idleConnections() {
        return pool.size();
    }

    /** Closes the idle connections; requests after this still work, on connections that are not kept. */
    @Override
    public void close() {
        cleanable.clean();
    }

    public Response send(String method, String path, String contentType, byte[] body) throws IOException {
        byte[] head = head(method, path, contentType, body, pool.max > 0);
        boolean idempotent = IDEMPOTENT.contains(method);
        Conn c = pool.take();
        while (true) {
            boolean reused = c != null;
            if (c == null) {
                c = open();
            }
            try {
                Exchange x = exchange(c, method, head, body, reused);
                if (x.keep) {
                    pool.give(c);
                } else {
                    c.close();
                }
                return x.response;
            } catch (Stale e) {
                c.close();
                // Idle connections older than this one are likely closed as well: a restarted daemon closed them all.
                pool.clear();
                if (!(e.nothingSent || idempotent)) {
                    throw new IOException("the server closed an idle connection as " + method + " " + path
                            + " was sent on it; not sent again, since it may have been acted on", e.getCause());
                }
                c = null; // once, on a new connection: a failure there is not stale
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }

    /** Sends a request and hands the open response body to {@code reader}, for streams such as events and logs. */
    public <T> T stream(String method, String path, BodyReader<T> reader) throws IOException {
        // Its own connection, closed when the reader returns, however much of the body it read: never pooled.
        try (Conn c = open()) {
            write(c.channel, head(method, path, null, null, false), null);
            Head head = readHead(c.in, method);
            String length = head.headers.get("content-length");
            // A body with a length ends there, whether or not the server closes the connection after it.
            InputStream body = !head.hasBody ? InputStream.nullInputStream()
                    : "chunked".equalsIgnoreCase(head.headers.get("transfer-encoding")) ? Http1.chunked(c.in)
                    : length != null ? new java.io.ByteArrayInputStream(c.in.readNBytes(contentLength(length))) : c.in;
            return reader.read(head.status, head.headers, body);
        }
    }

    @FunctionalInterface
    public interface BodyReader<T> {
        T read(int status, Map<String, String> headers, InputStream body) throws IOException;
    }

    private Conn open() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        opened.incrementAndGet();
        return new Conn(ch);
    }

    private record Exchange(Response response, boolean keep) {
    }

    /** The request on {@code c} and its response, read whole. */
    private static Exchange exchange(Conn c, String method, byte[] head, byte[] body, boolean reused) throws IOException {
        IOException writeFailure = null;
        try {
            write(c.channel, head, body);
        } catch (ClosedChannelException e) {
            throw e; // interrupted or closed by this process: not the server's doing
        } catch (WriteFailed e) {
            if (reused && e.written == 0) {
                throw new Stale(true, e.getCause()); // the server had closed it: broken pipe before any byte went
            }
            writeFailure = e.getCause(); // a server may answer (413) and close before it read the whole body
        }
        try {
            if (reused) {
                awaitFirstByte(c.in);
            }
            Head h = readHead(c.in, method);
            byte[] bytes;
            boolean delimited = true;
            if (!h.hasBody) {
                bytes = new byte[0];
            } else if ("chunked".equalsIgnoreCase(h.headers.get("transfer-encoding"))) {
                bytes = Http1.chunked(c.in).readAllBytes();
            } else if (h.headers.get("content-length") != null) {
                int n = contentLength(h.headers.get("content-length"));
                bytes = c.in.readNBytes(n);
                if (bytes.length < n) {
                    throw new IOException("connection closed after " + bytes.length + " of the body's " + n + " bytes");
                }
            } else {
                bytes = c.in.readAllBytes(); // Connection: close delimits it
                delimited = false;
            }
            boolean keep = delimited && writeFailure == null && h.persistent;
            return new Exchange(new Response(h.status, h.headers, bytes), keep);
        } catch (Stale e) {
            throw e;
        } catch (IOException e) {
            if (writeFailure != null) {
                writeFailure.addSuppressed(e);
                throw writeFailure;
            }
            throw e;
        }
    }

    /**
     * On a reused connection, the response's first byte: an end of stream or a reset instead means the server
     * closed the connection before it read the request.
     */
    private static void awaitFirstByte(BufferedInputStream in) throws IOException {
        in.mark(1);
        int b;
        try {
            b = in.read();
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new Stale(false, e);
        }
        if (b < 0) {
            throw new Stale(false, new IOException("connection closed by the server before any response"));
        }
        in.reset();
    }

    /** The head and the body in one gathering write; a failure tells how many bytes went before it. */
    private static void write(SocketChannel ch, byte[] head, byte[] body) throws IOException {
        ByteBuffer[] b = body == null || body.length == 0 ? new ByteBuffer[] {ByteBuffer.wrap(head)}
                : new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(body)};
        long total = head.length + (body == null ? 0 : body.length);
        long written = 0;
        try {
            while (written < total) {
                written += ch.write(b);
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new WriteFailed(written, e);
        }
    }

    /** The request head; without {@code keepAlive}, it asks the server to close the connection after its answer. */
    private static byte[] head(String method, String path, String contentType, byte[] body, boolean keepAlive) {
        Http1.RequestHead h = new Http1.RequestHead(method, path, "overseer");
        if (!keepAlive) {
            h.header("Connection", "close");
        }
        if (body != null) {
            h.header("Content-Type", contentType == null ? "application/json" : contentType);
            h.header("Content-Length", body.length);
        }
        return h.bytes();
    }

    /** {@code hasBody}: false for HEAD, 204 and 304; {@code persistent}: whether the server keeps the connection. */
    private record Head(int status, Map<String, String> headers, boolean hasBody, boolean persistent) {
    }

    private static Head readHead(InputStream in, String method) throws IOException {
        while (true) {
            String status = Http1.line(in);
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP response: " + status);
            }
            int code;
            try {
                code = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP response: " + status);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            int size = 0;
            for (String l = Http1.line(in); !l.isEmpty(); l = Http1.line(in)) {
                size += l.length();
                if (size > MAX_HEADER) {
                    throw new IOException("response headers larger than " + MAX_HEADER + " bytes");
                }
                Http1.Header f = Http1.Header.parse(l);
                if (f != null) {
                    headers.put(f.name(), f.value());
                }
            }
            if (code >= 100 && code < 200 && code != 101) {
                continue; // an interim answer (100 Continue): the final one follows
            }
            String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
            boolean persistent = parts[0].equals("HTTP/1.1") ? !token(connection, "close") : token(connection, "keep-alive");
            boolean hasBody = !method.equals("HEAD") && code != 204 && code != 304 && code >= 200;
            return new Head(code, headers, hasBody, persistent && code != 101);
        }
    }

    private static boolean token(String list, String token) {
        for (String t : list.split(",")) {
            if (t.strip().equals(token)) {
                return true;
            }
        }
        return false;
    }

    private static int contentLength(String value) throws IOException {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IOException("response header Content-Length: not a length: " + value);
    }

    /** Kept for the tests' servers: {@link Http1#line(InputStream)}. */
    static String line(InputStream in) throws IOException {
        return Http1.line(in);
    }

    /** An idle connection found closed by the server; {@code nothingSent}: not a byte of the request went out. */
    private static final class Stale extends IOException {
        final boolean nothingSent;

        Stale(boolean nothingSent, IOException cause) {
            super(cause.getMessage(), cause);
            this.nothingSent = nothingSent;
        }
    }

    /** A write that failed after {@code written} bytes of the request had gone. */
    private static final class WriteFailed extends IOException {
        final long written;

        WriteFailed(long written, IOException cause) {
            super(cause.getMessage(), cause);
            this.written = written;
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }
}
