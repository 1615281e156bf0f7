package overseer.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** {@link UnixHttp}'s idle connections, most recently used first; the cleaner's action ({@link #run}) closes them. */
final class ConnectionPool implements Runnable {
    final int max;
    private final long maxIdleNanos;
    private final ArrayDeque<Conn> idle = new ArrayDeque<>();
    private boolean closed;

    ConnectionPool(int max, long maxIdleNanos) {
        this.max = max;
        this.maxIdleNanos = maxIdleNanos;
    }

    /** The most recently used idle connection that has not been idle too long, or null. */
    Conn take() {
        List<Conn> old = new ArrayList<>();
        Conn c;
        synchronized (this) {
            long now = System.nanoTime();
            // The oldest are at the end: those idle too long go.
            while (!idle.isEmpty() && now - idle.peekLast().idleSince > maxIdleNanos) {
                old.add(idle.pollLast());
            }
            c = idle.pollFirst();
        }
        old.forEach(Conn::close);
        return c;
    }

    void give(Conn c) {
        synchronized (this) {
            if (!closed && idle.size() < max) {
                c.idleSince = System.nanoTime();
                idle.addFirst(c);
                return;
            }
        }
        c.close();
    }

    void clear() {
        List<Conn> all;
        synchronized (this) {
            all = new ArrayList<>(idle);
            idle.clear();
        }
        all.forEach(Conn::close);
    }

    synchronized int size() {
        return idle.size();
    }

    @Override
    public void run() {
        synchronized (this) {
            closed = true;
        }
        clear();
    }

    /** One connection and the buffered reader of its responses, which stays with it from request to request. */
    static final class Conn implements AutoCloseable {
        final SocketChannel channel;
        /**
         * Buffered: the head is read a byte at a time ({@link Http1#line}), and straight from the channel each byte was
         * a read(2) of its own. A buffered read still returns as soon as any bytes arrived, so an event stream's
         * lines are not held back.
         */
        final BufferedInputStream in;
        long idleSince;

        Conn(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // closing: nothing more to do with it
            }
        }
    }
}
