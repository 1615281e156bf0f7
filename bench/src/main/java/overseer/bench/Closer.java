package overseer.bench;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a peers bench opened — daemons it started, containers, its scratch directory — closed in the reverse order of
 * opening, once: at the end of the run, or from a shutdown hook when the run is interrupted (Ctrl-C, SIGTERM), so an
 * interrupted bench leaves no containerd, supervisord, conmon, mount or cgroup behind either.
 */
final class Closer implements AutoCloseable {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private final Thread hook = new Thread(this::closeAll, "peers-cleanup");
    private boolean closed;

    Closer() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    synchronized <T extends AutoCloseable> T add(T c) {
        open.push(c);
        return c;
    }

    @Override
    public void close() {
        closeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or ran
        }
    }

    private synchronized void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }
}
