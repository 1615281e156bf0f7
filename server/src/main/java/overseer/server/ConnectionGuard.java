package overseer.server;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1ConnectionListener;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One listener's defence against clients that hold connections: a cap on its open connections and, on TCP,
 * on the connections of one peer that has not authenticated yet (the excess is answered 503 or 429 and
 * closed at once), and deadlines that close a connection whose client is too slow to send its headers
 * (slowloris), its body (a Content-Length larger than what comes, a chunked body never finished, an
 * {@code Expect: 100-continue} never followed), or that sits idle between requests.
 *
 * <p>Helidon has none of these for a connection that never sends a byte (its idle timeout only sees a
 * connection once a first request identified its protocol, and a Unix socket has no read timeout), so the
 * guard takes every connection as it is accepted, through {@link SocketOptions#configureSocket(SocketChannel)},
 * follows its requests through Helidon's HTTP/1 listeners and a routing filter, and closes it from its own
 * reaper thread: the connection's reader then fails and Helidon frees it.
 */
final class ConnectionGuard implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());
    /** The connection whose request this thread serves (Helidon serves each HTTP/1 connection on one thread). */
    private static final ThreadLocal<Conn> SERVING = new ThreadLocal<>();

    private final String listener;
    private final ApiServer.Limits limits;
    private final boolean perPeer;
    /** By Helidon's connection id, "0x" and the channel's identity hash, which its listeners give back. */
    private final Map<String, Conn> open = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final ScheduledExecutorService reaper;

    private enum Phase { HEADERS, BODY, HANDLING, IDLE }

    /** One accepted connection; its phase and deadline are written by its own thread, read by the reaper. */
    private static final class Conn {
        final SocketChannel channel;
        final Optional<java.net.InetAddress> peer;
        volatile Phase phase = Phase.HEADERS;
        volatile long deadline;
        volatile boolean authenticated;
        /** Two open channels with the same identity hash: their events cannot be told apart, so no deadline. */
        volatile boolean ambiguous;
        /** The handler is inside a read of the request body: the client, not the server, is awaited. */
        volatile boolean reading;
        volatile boolean bodyDone;

        Conn(SocketChannel channel, Optional<java.net.InetAddress> peer, long deadline) {
            this.channel = channel;
            this.peer = peer;
            this.deadline = deadline;
        }
    }

    /** {@code perPeer}: whether the per-peer cap applies (TCP, where peers are told apart by address). */
    ConnectionGuard(String listener, ApiServer.Limits limits, boolean perPeer) {
        this.listener = listener;
        this.limits = limits;
        this.perPeer = perPeer;
        long tick = Math.clamp(limits.shortestTimeout().toMillis() / 4, 20, 250);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("api-guard-" + listener).unstarted(r));
        reaper.scheduleWithFixedDelay(this::reap, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Helidon's socket options for accepted connections, with the guard's admission in front. */
    SocketOptions socketOptions() {
        return new Admitting(SocketOptions.create());
    }

    /** Follows each request's prologue and headers on the connection. */
    Http1ConnectionListener receiveListener() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                Conn c = conn(ctx);
                if (c != null && c.phase == Phase.IDLE) {
                    // The request line of the next request is in: its headers have the header timeout.
                    c.deadline = deadline(limits.headerTimeout());
                    c.phase = Phase.HEADERS;
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                Conn c = conn(ctx);
                if (c == null) {
                    return;
                }
                SERVING.set(c);
                if (hasBody(headers)) {
                    c.deadline = deadline(limits.bodyTimeout());
                    c.reading = false;
                    c.bodyDone = false;
                    c.phase = Phase.BODY;
                } else {
                    c.phase = Phase.HANDLING;
                }
            }
        };
    }

    /** The first filter of the listener's routing: knows when a request's handler runs and when it is done. */
    Filter filter() {
        return (FilterChain chain, RoutingRequest req, RoutingResponse res) -> {
            Conn c = SERVING.get();
            if (c != null && c.phase == Phase.BODY) {
                req.streamFilter(in -> new BodyStream(in, c));
            }
            try {
                chain.proceed();
            } finally {
                if (c != null) {
                    c.reading = false;
                    c.deadline = deadline(limits.idleTimeout());
                    c.phase = Phase.IDLE;
                    SERVING.remove();
                }
            }
        };
    }

    /** Called by the bearer-token filter on the request's thread: that connection is no longer a stranger's. */
    static void authenticated() {
        Conn c = SERVING.get();
        if (c != null) {
            c.authenticated = true;
        }
    }

    int openConnections() {
        return count.get();
    }

    @Override
    public void close() {
        reaper.shutdownNow();
        open.clear();
    }

    private static boolean hasBody(Headers headers) {
        if (headers.contains(HeaderNames.TRANSFER_ENCODING)) {
            return true;
        }
        return headers.first(HeaderNames.CONTENT_LENGTH).map(v -> !v.strip().equals("0")).orElse(false);
    }

    private Conn conn(ConnectionContext ctx) {
        Conn c = open.get(ctx.childSocketId());
        return c == null || c.ambiguous ? null : c;
    }

    private static long deadline(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    private static String id(SocketChannel ch) {
        return "0x" + HexFormat.of().toHexDigits(System.identityHashCode(ch));
    }

    /** At accept, on Helidon's listener thread: refuse the excess, or start to follow the connection. */
    private void admit(SocketChannel ch) {
        Optional<java.net.InetAddress> peer = Optional.empty();
        if (perPeer) {
            try {
                if (ch.getRemoteAddress() instanceof InetSocketAddress a) {
                    peer = Optional.of(a.getAddress());
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        if (count.get() >= limits.maxConnections()) {
            prune();
            if (count.get() >= limits.maxConnections()) {
                refuse(ch, OverseerException.unavailable("connections: this listener (%s) already has %d open connections,"
                        + " its limit (--max-connections)", listener, limits.maxConnections()));
            }
        }
        if (peer.isPresent()) {
            java.net.InetAddress who = peer.get();
            long strangers = open.values().stream()
                    .filter(c -> c.peer.equals(Optional.of(who)) && !c.authenticated && c.channel.isOpen()).count();
            if (strangers >= limits.maxConnectionsPerPeer()) {
                refuse(ch, new OverseerException(ErrorKind.UNAVAILABLE, OverseerException.Reason.TOO_MANY_CONNECTIONS,
                        "connections: " + who.getHostAddress() + " already has " + strangers
                        + " unauthenticated connections, the limit per peer (--max-connections-per-peer)", null));
            }
        }
        Conn c = new Conn(ch, peer, deadline(limits.headerTimeout()));
        Conn before = open.putIfAbsent(id(ch), c);
        if (before != null) {
            if (before.channel.isOpen()) {
                before.ambiguous = true;
                c.ambiguous = true;
            } else {
                open.put(id(ch), c);
                count.decrementAndGet();
            }
        }
        count.incrementAndGet();
    }

    /** Answers the error and closes (Helidon closes the channel when configureSocket throws). */
    private void refuse(SocketChannel ch, OverseerException e) {
        respond(ch, e);
        throw new RefusedConnection(e.getMessage());
    }

    /** Written on the channel itself: Helidon has no request here to answer through. */
    private static void respond(SocketChannel ch, OverseerException e) {
        ByteBuffer b = ByteBuffer.wrap(ApiError.closingResponse(e));
        try {
            // A few hundred bytes into an empty send buffer: this does not block.
            while (b.hasRemaining() && ch.write(b) > 0) {
                // written
            }
        } catch (IOException gone) {
            // the client went away: nothing to tell it
        }
    }

    /** Drops the connections Helidon has closed. */
    private void prune() {
        open.entrySet().removeIf(e -> {
            if (e.getValue().channel.isOpen()) {
                return false;
            }
            count.decrementAndGet();
            return true;
        });
    }

    private void reap() {
        try {
            prune();
            long now = System.nanoTime();
            for (Conn c : open.values()) {
                Phase p = c.phase;
                if (c.ambiguous || p == Phase.HANDLING || now - c.deadline < 0) {
                    continue;
                }
                if (p == Phase.BODY && (c.bodyDone || !c.reading)) {
                    // The body is in, or the handler is not waiting for it: what is slow is the server's own work.
                    if (c.bodyDone) {
                        c.phase = Phase.HANDLING;
                    }
                    continue;
                }
                c.phase = Phase.HANDLING; // once
                Thread.ofVirtual().name("api-guard-close").start(() -> expire(c, p));
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "connection guard of " + listener + ": " + e, e);
        }
    }

    private void expire(Conn c, Phase p) {
        switch (p) {
            case HEADERS -> respond(c.channel, OverseerException.timedOut("request: headers not received within %d ms"
                    + " (--header-timeout)", limits.headerTimeout().toMillis()));
            case BODY -> respond(c.channel, OverseerException.timedOut("request: body not received within %d ms"
                    + " (--body-timeout)", limits.bodyTimeout().toMillis()));
            default -> {
                // idle between requests: closed without a word, as HTTP/1.1 allows
            }
        }
        try {
            c.channel.close();
        } catch (IOException e) {
            // closed already
        }
    }

    /** The request body as the handler reads it: marks the time spent waiting for the client, and its end. */
    private static final class BodyStream extends java.io.FilterInputStream {
        private final Conn conn;

        BodyStream(java.io.InputStream in, Conn conn) {
            super(in);
            this.conn = conn;
        }

        @Override
        public int read() throws IOException {
            conn.reading = true;
            try {
                int b = super.read();
                conn.bodyDone |= b < 0;
                return b;
            } finally {
                conn.reading = false;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            conn.reading = true;
            try {
                int n = super.read(b, off, len);
                conn.bodyDone |= n < 0;
                return n;
            } finally {
                conn.reading = false;
            }
        }

        @Override
        public void close() throws IOException {
            conn.bodyDone = true;
            super.close();
        }
    }

    /** Thrown from configureSocket: Helidon then closes the connection and frees its slot. */
    static final class RefusedConnection extends RuntimeException {
        RefusedConnection(String message) {
            super(message, null, false, false);
        }
    }

    /** Helidon's socket options, with {@link #admit} after they are applied to each accepted channel. */
    private final class Admitting implements SocketOptions {
        private final SocketOptions delegate;

        Admitting(SocketOptions delegate) {
            this.delegate = delegate;
        }

        @Override
        public void configureSocket(SocketChannel socket) {
            delegate.configureSocket(socket);
            admit(socket);
        }

        @Override
        public void configureSocket(Socket socket) {
            delegate.configureSocket(socket);
        }

        @Override
        public Map<SocketOption<?>, Object> socketOptions() {
            return delegate.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return delegate.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return delegate.readTimeout();
        }

        @Override
        public Optional<Integer> socketReceiveBufferSize() {
            return delegate.socketReceiveBufferSize();
        }

        @Override
        public Optional<Integer> socketSendBufferSize() {
            return delegate.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return delegate.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return delegate.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return delegate.tcpNoDelay();
        }
    }
}
