package overseer.linux;

import overseer.core.OverseerException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * This process's controlling terminal (/dev/tty), for job control as a shell does it: which process group
 * is in the foreground (reads the terminal, gets its Ctrl-C), handing it to a child's group and taking it back,
 * raw mode, the window size, and whether the terminal hung up.
 *
 * <p>Handing the terminal over from a background group would stop the caller with SIGTTOU; every call here
 * blocks SIGTTOU on the calling thread around the tcsetpgrp, as shells do. Calls that change a thread's mask
 * run on platform threads only.
 */
public final class ControllingTerminal implements AutoCloseable {
    private final int fd;

    private ControllingTerminal(int fd) {
        this.fd = fd;
    }

    /** The controlling terminal, or empty when this process has none (a daemon, a pipe, a test under CI). */
    public static Optional<ControllingTerminal> open() {
        try {
            return Optional.of(new ControllingTerminal(LibC.open("/dev/tty", LibC.O_RDWR | LibC.O_NOCTTY)));
        } catch (LibC.Errno e) {
            return Optional.empty(); // ENXIO: no controlling terminal
        }
    }

    /** Whether the descriptor is a terminal (isatty). */
    public static boolean isTerminal(int fd) {
        return LibC.isatty(fd);
    }

    int fd() {
        return fd;
    }

    /** This process's group: the one a shell gave the terminal to when it started Overseer in the foreground. */
    public static long ownGroup() {
        return LibC.getpgrp();
    }

    /** The terminal's foreground process group; empty once it hung up or was lost. */
    public Optional<Long> foregroundGroup() {
        try {
            return Optional.of((long) LibC.tcgetpgrp(fd));
        } catch (LibC.Errno e) {
            return Optional.empty();
        }
    }

    /** Whether this process's group has the terminal now. */
    public boolean inForeground() {
        return foregroundGroup().filter(g -> g == ownGroup()).isPresent();
    }

    /**
     * The terminal hung up (it was closed: its window, its ssh session, its tmux pane): every call on it now
     * fails with EIO.
     */
    public boolean hungUp() {
        try {
            LibC.tcgetpgrp(fd);
            return false;
        } catch (LibC.Errno e) {
            return e.errno == LibC.EIO || e.errno == LibC.ENXIO || e.errno == LibC.ENOTTY;
        }
    }

    /** Makes {@code pgid} the foreground group; false when the terminal refuses (it hung up, no such group). */
    public boolean foreground(long pgid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ttou = a.allocate(LibC.SIGSET_SIZE, 8);
            MemorySegment old = a.allocate(LibC.SIGSET_SIZE, 8);
            LibC.sigemptyset(ttou);
            LibC.sigaddset(ttou, LibC.SIGTTOU);
            LibC.pthreadSigmask(LibC.SIG_BLOCK, ttou, old);
            try {
                LibC.tcsetpgrp(fd, (int) pgid);
                return true;
            } catch (LibC.Errno e) {
                return false;
            } finally {
                if (!LibC.sigismember(old, LibC.SIGTTOU)) {
                    LibC.pthreadSigmask(LibC.SIG_UNBLOCK, ttou, MemorySegment.NULL);
                }
            }
        }
    }

    /** Takes the terminal back for this process's group (after the child's group had it). */
    public boolean takeBack() {
        return foreground(ownGroup());
    }

    /** {columns, rows}; empty when the terminal does not say. */
    public Optional<int[]> size() {
        try {
            return Optional.of(LibC.windowSize(fd));
        } catch (LibC.Errno e) {
            return Optional.empty();
        }
    }

    /**
     * Raw mode (no echo, no line editing, no signals from keys: every byte as it is typed), as a terminal
     * attached to a remote one needs; closing the result restores the settings that were in force.
     */
    public AutoCloseable raw() {
        Arena arena = Arena.ofShared();
        MemorySegment saved = arena.allocate(LibC.TERMIOS_SIZE, 4);
        try (Arena a = Arena.ofConfined()) {
            LibC.tcgetattr(fd, saved);
            MemorySegment raw = a.allocate(LibC.TERMIOS_SIZE, 4);
            raw.copyFrom(saved);
            LibC.cfmakeraw(raw);
            LibC.tcsetattr(fd, LibC.TCSADRAIN, raw);
        } catch (LibC.Errno e) {
            arena.close();
            throw OverseerException.unavailable("cannot put the terminal in raw mode: %s", e.getMessage());
        }
        return () -> {
            try {
                LibC.tcsetattr(fd, LibC.TCSADRAIN, saved);
            } catch (LibC.Errno hungUp) {
                // nothing left to restore
            } finally {
                arena.close();
            }
        };
    }

    @Override
    public void close() {
        LibC.close(fd);
    }
}
