package overseer.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

/**
 * Waits until a descriptor can be read (a pipe with data or closed, a pidfd whose process exited) the way the
 * calling thread can afford. A platform thread waits in poll(2). A virtual thread must not: blocked in a native
 * call it keeps its carrier, and the daemon's HTTP server runs every request on virtual threads over as many
 * carriers as there are CPUs, so two requests waiting for an OCI runtime (a start whose hook is slow) would stop
 * every other request. It parks on a future instead, which one shared epoll thread completes.
 */
final class Readiness {
    private Readiness() {
    }

    /** The shared loop, started by the first virtual thread that has to wait. */
    private static final class Shared {
        static final EventLoop LOOP = new EventLoop("overseer-readiness");
    }

    /** Returns once {@code fd} is readable or hung up. */
    static void awaitReadable(int fd) throws LibC.Errno {
        if (!Thread.currentThread().isVirtual()) {
            while (poll(fd, -1) == 0) {
                // a signal interrupted it: wait on
            }
            return;
        }
        if (poll(fd, 0) > 0) {
            return;
        }
        EventLoop loop = Shared.LOOP;
        CompletableFuture<Void> ready = new CompletableFuture<>();
        long token = loop.newToken();
        loop.register(fd, token, LibC.EPOLLIN | EventLoop.EPOLLONESHOT, events -> ready.complete(null));
        try {
            ready.join();
        } finally {
            loop.unregister(fd, token);
        }
    }

    private static int poll(int fd, int timeoutMs) throws LibC.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pollfd = a.allocate(8, 4); // struct pollfd { int fd; short events, revents; }
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) LibC.POLLIN);
            return LibC.poll(pollfd, 1, timeoutMs);
        }
    }
}
