package overseer.linux;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;

/**
 * A child spawned by {@link PosixSpawn}, held through a pidfd from the moment it exists: signals reach it
 * and nothing else, and its exit is waited for by polling the pidfd, then collected with
 * {@code waitid(P_PIDFD)}, never by a {@code waitpid} that another reaper could race.
 */
public final class Child implements AutoCloseable {
    private final int pid;
    private final Pidfd pidfd;

    Child(int pid, Pidfd pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    public int pid() {
        return pid;
    }

    /** Sends {@code signal} through the pidfd; false when the child has exited (or was closed). */
    public boolean signal(Signal signal) {
        return pidfd.signal(signal);
    }

    /**
     * Waits until the child exits and reaps it: its exit, with {@code exitCode} 128 + the signal when one
     * killed it. Only for children nobody else reaps (a subreaper's own loop collects its children itself).
     */
    public Exit awaitExit() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pollfd = a.allocate(8, 4); // struct pollfd { int fd; short events, revents; }
            pollfd.set(ValueLayout.JAVA_INT, 0, pidfd.fd());
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) LibC.POLLIN);
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            while (true) {
                // The pidfd becomes readable when the child exits; poll returns 0 when a signal interrupted it.
                if (LibC.poll(pollfd, 1, -1) > 0 && LibC.waitidPidfd(pidfd.fd(), info, LibC.WEXITED | LibC.WNOHANG)) {
                    int code = info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_CODE);
                    int status = info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_STATUS);
                    return code == LibC.CLD_KILLED || code == LibC.CLD_DUMPED
                            ? Exit.killed(Signal.of(status), false, Instant.now()) : Exit.exited(status, Instant.now());
                }
            }
        } catch (LibC.Errno e) {
            throw OverseerException.internal("waiting for child " + pid + ": " + e.getMessage(), e);
        }
    }

    /** Closes the pidfd; the child itself is left alone. */
    @Override
    public void close() {
        pidfd.close();
    }
}
