package overseer.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * One platform thread waiting in epoll_wait for every descriptor the native runtime watches: a pidfd per
 * live process (readable at exit) and the read ends of output pipes. Handlers run on this thread, so they
 * must not block; work for the loop from other threads goes through {@link #execute}.
 */
final class EventLoop implements AutoCloseable {
    private static final Logger LOG = System.getLogger(EventLoop.class.getName());
    private static final int MAX_EVENTS = 256;
    private static final long WAKE_TOKEN = 0;
    /** epoll_ctl's op that changes what a registered descriptor is watched for (Linux's value, every arch). */
    private static final int EPOLL_CTL_MOD = 3;
    /** Fires once, then the descriptor stays registered but silent until {@link #rearm}. */
    static final int EPOLLONESHOT = 1 << 30;

    @FunctionalInterface
    interface Handler {
        void ready(int events);
    }

    private final int epfd;
    private final int wakeFd;
    private final Map<Long, Handler> handlers = new ConcurrentHashMap<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicLong tokens = new AtomicLong(WAKE_TOKEN);
    private final ThreadLocal<MemorySegment> ctlScratch = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(LibC.EPOLL_EVENT_SIZE, 8));
    private final Thread thread;
    private final MemorySegment readBuffer;
    /** The heap copy of a read: one array for the loop, not one per wake-up (a flood would churn the heap). */
    private final byte[] readArray = new byte[64 * 1024];
    private volatile boolean closed;

    EventLoop(String name) {
        try {
            epfd = LibC.epollCreate();
            wakeFd = LibC.eventfd();
            LibC.epollCtl(epfd, LibC.EPOLL_CTL_ADD, wakeFd, LibC.EPOLLIN, WAKE_TOKEN, ctlScratch.get());
        } catch (LibC.Errno e) {
            throw new IllegalStateException("cannot start the event loop: " + e.getMessage(), e);
        }
        readBuffer = Arena.global().allocate(64 * 1024);
        thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
        thread.start();
    }

    /** A 64 KiB buffer for reads done by handlers; only valid on the loop thread. */
    MemorySegment readBuffer() {
        return readBuffer;
    }

    /** An array as large as {@link #readBuffer()}, to copy a read into; only valid on the loop thread. */
    byte[] readArray() {
        return readArray;
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * A token for a registration. Callers store it before {@link #register} because the handler may run
     * on the loop thread, and unregister itself, before register returns.
     */
    long newToken() {
        return tokens.incrementAndGet();
    }

    /** Watches {@code fd} for input, dispatching to {@code handler} under {@code token}. */
    void register(int fd, long token, Handler handler) throws LibC.Errno {
        register(fd, token, LibC.EPOLLIN, handler);
    }

    /**
     * Watches {@code fd} for {@code events} (level-triggered). Cgroup v2 files signal a change with
     * EPOLLPRI, and stay signalled until the change is read through the same descriptor.
     */
    void register(int fd, long token, int events, Handler handler) throws LibC.Errno {
        handlers.put(token, handler);
        try {
            LibC.epollCtl(epfd, LibC.EPOLL_CTL_ADD, fd, events, token, ctlScratch.get());
        } catch (LibC.Errno e) {
            handlers.remove(token);
            throw e;
        }
    }

    /** Watches a one-shot registration of {@code fd} (see {@link #EPOLLONESHOT}) for {@code events} again. */
    void rearm(int fd, long token, int events) throws LibC.Errno {
        LibC.epollCtl(epfd, EPOLL_CTL_MOD, fd, events | EPOLLONESHOT, token, ctlScratch.get());
    }

    /** Stops watching {@code fd}; call before closing it. */
    void unregister(int fd, long token) {
        handlers.remove(token);
        try {
            LibC.epollCtl(epfd, LibC.EPOLL_CTL_DEL, fd, 0, 0, ctlScratch.get());
        } catch (LibC.Errno e) {
            // Already gone from the set: nothing to undo.
        }
    }

    /** Runs {@code task} on the loop thread, soon. */
    void execute(Runnable task) {
        if (inLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        wake();
    }

    private void wake() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
            LibC.write(wakeFd, one, 8);
        } catch (LibC.Errno e) {
            // EAGAIN: the counter is already non-zero, so the loop will wake anyway.
        }
    }

    int watched() {
        return handlers.size();
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(LibC.EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
            MemorySegment drain = arena.allocate(ValueLayout.JAVA_LONG);
            while (!closed) {
                int n;
                try {
                    n = LibC.epollWait(epfd, events, MAX_EVENTS, -1);
                } catch (LibC.Errno e) {
                    LOG.log(Level.ERROR, "epoll_wait failed; the native runtime stops watching processes", e);
                    return;
                }
                for (int i = 0; i < n; i++) {
                    long base = i * LibC.EPOLL_EVENT_SIZE;
                    int ev = events.get(ValueLayout.JAVA_INT_UNALIGNED, base);
                    long token = events.get(ValueLayout.JAVA_LONG_UNALIGNED, base + LibC.EPOLL_EVENT_DATA);
                    if (token == WAKE_TOKEN) {
                        try {
                            LibC.read(wakeFd, drain, 8);
                        } catch (LibC.Errno ignored) {
                            // nothing to drain
                        }
                        continue;
                    }
                    Handler h = handlers.get(token);
                    if (h != null) {
                        dispatch(h, ev);
                    }
                }
                Runnable t;
                while ((t = tasks.poll()) != null) {
                    try {
                        t.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.ERROR, "event loop task failed", e);
                    }
                }
            }
        } finally {
            LibC.close(wakeFd);
            LibC.close(epfd);
        }
    }

    private static void dispatch(Handler h, int ev) {
        try {
            h.ready(ev);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "event handler failed", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        wake();
        if (!inLoop()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
