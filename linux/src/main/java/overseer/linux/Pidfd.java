package overseer.linux;

import overseer.core.Signal;

import java.util.Optional;

/**
 * A process named by a pidfd: a signal through it reaches that process or none, never a later one that was
 * given the same pid. Closed when no longer needed; a closed one signals nothing.
 */
public final class Pidfd implements AutoCloseable {
    private int fd;

    private Pidfd(int fd) {
        this.fd = fd;
    }

    /**
     * A pidfd for {@code pid}; empty when no such process exists. The caller must know that {@code pid} still
     * names the process it means (an unreaped child of its own, or one checked again after opening).
     * INTERNAL for any other failure (no descriptor left).
     */
    public static Optional<Pidfd> open(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Pidfd(LibC.pidfdOpen((int) pid)));
        } catch (LibC.Errno e) {
            if (e.errno == LibC.ESRCH) {
                return Optional.empty();
            }
            throw overseer.core.OverseerException.internal("pidfd_open " + pid + ": " + e.getMessage(), e);
        }
    }

    /** Sends {@code signal}; false when the process has exited (or this pidfd was closed). */
    public synchronized boolean signal(Signal signal) {
        if (fd < 0) {
            return false;
        }
        try {
            LibC.pidfdSendSignal(fd, signal.number());
            return true;
        } catch (LibC.Errno e) {
            if (e.errno == LibC.ESRCH) {
                return false;
            }
            throw overseer.core.OverseerException.internal("signal " + signal + ": " + e.getMessage(), e);
        }
    }

    /** {@code signal} to {@code pid} through a pidfd opened for it; false when it is gone. */
    public static boolean signal(long pid, Signal signal) {
        return open(pid).map(p -> {
            try (p) {
                return p.signal(signal);
            }
        }).orElse(false);
    }

    /** The descriptor, for poll and waitid in this package; -1 once closed. */
    synchronized int fd() {
        return fd;
    }

    @Override
    public synchronized void close() {
        LibC.close(fd);
        fd = -1;
    }
}
