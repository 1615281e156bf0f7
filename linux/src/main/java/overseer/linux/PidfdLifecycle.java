package overseer.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One process's pidfd from the spawn to the reap: watched on the {@link EventLoop} (readable at exit), its
 * status peeked without reaping (record before reap), then reaped, after which the pid may name another
 * process and nothing is sent to it any more. Signals go through the pidfd; a signal to the process's whole
 * group uses kill(-pgid), but only while the leader is not reaped, because until then its pid, and so the
 * group id, cannot be given to another process.
 *
 * <p>The lock here guards the descriptor and these few flags and is held only across one system call on
 * them, never across blocking work: the event loop takes it for every exit, so anything slow here would
 * delay every other process's exit and output.
 */
final class PidfdLifecycle {
    private static final int NONE = -1;
    private static final int SIGKILL = overseer.core.Signal.SIGKILL.number();
    /** struct pollfd (int fd, short events, short revents), one per waiting thread. */
    private static final ThreadLocal<MemorySegment> POLLFD = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8, 4));
    private static final ThreadLocal<MemorySegment> SIGINFO =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(LibC.SIGINFO_SIZE, 8));

    /** What a look at an exited process found. */
    sealed interface Peeked {
        /** The exit the status tells (see {@link Child#exitOf}); not yet told apart from an OOM kill. */
        record Status(overseer.core.Exit exit) implements Peeked {
        }

        /** Not exited after all: an early wake-up. */
        record NotYet() implements Peeked {
        }

        /** Already being reported (by the loop or by a caller that waited here), or reaped. */
        record Taken() implements Peeked {
        }

        /** Not our child (adopted after a restart) or reaped by someone else: the status is not ours to read. */
        record NotOurs(String reason) implements Peeked {
        }
    }

    private static final Peeked NOT_YET = new Peeked.NotYet();
    private static final Peeked TAKEN = new Peeked.Taken();
    /** One-shot: whoever collects the exit reaps it, and the loop must not spin on a pidfd another holds. */
    private static final int EVENTS = LibC.EPOLLIN | EventLoop.EPOLLONESHOT;

    private final EventLoop loop;
    private int pidfd = NONE;
    private long token;
    private volatile int pid;
    private boolean reaped;
    private boolean reporting; // the exit was peeked and is being reported; the zombie is reaped after
    private boolean registered; // in the loop's set: not while a caller waits here, nor if it exited before
    private Runnable exited; // what the loop runs when the pidfd becomes readable

    PidfdLifecycle(EventLoop loop) {
        this.loop = loop;
    }

    /** A pidfd for {@code pid}; for a child not yet reaped it is known to name that very process. */
    static int open(int pid) throws LibC.Errno {
        return LibC.pidfdOpen(pid);
    }

    /**
     * Takes {@code fd}, the pidfd of {@code pid}, and watches it: {@code exited} runs on the loop thread when
     * it becomes readable (it may run before this returns). If it cannot be watched, {@code fd} is closed
     * and forgotten before the error is thrown: no later signal or reap may act on its number, which the
     * next descriptor opened anywhere in the JVM may get.
     */
    void watch(int pid, int fd, Runnable exited) throws LibC.Errno {
        take(pid, fd, exited);
        register(fd);
    }

    /**
     * As {@link #watch}, for the child just spawned, unless it has exited already (a short program may end
     * before its spawn returns): then nothing is registered, so the loop is not woken for an exit the
     * starter can collect at once, and false says the caller must collect it ({@link #peek}) and report it.
     */
    boolean watchUnlessExited(int pid, int fd, Runnable exited) throws LibC.Errno {
        take(pid, fd, exited);
        boolean gone;
        try {
            gone = LibC.waitidPidfd(fd, SIGINFO.get(), LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT);
        } catch (LibC.Errno e) {
            gone = false; // the loop's peek meets the same error and reports it
        }
        if (!gone) {
            register(fd);
        }
        return !gone;
    }

    private synchronized void take(int pid, int fd, Runnable exited) {
        this.pid = pid;
        this.pidfd = fd;
        this.token = loop.newToken();
        this.exited = exited;
    }

    private void register(int fd) throws LibC.Errno {
        try {
            synchronized (this) {
                loop.register(fd, token, EVENTS, this::fired);
                registered = true;
            }
        } catch (LibC.Errno e) {
            synchronized (this) { // never registered, so no handler ran: the number is still ours
                pidfd = NONE;
                LibC.close(fd);
            }
            throw e;
        }
    }

    private void fired(int events) {
        exited.run();
    }

    int pid() {
        return pid;
    }

    /**
     * On the loop thread, when the pidfd is readable: the exit status without reaping the zombie, so its
     * pid (and group id) stay ours while the exit is recorded and what it left behind is killed.
     */
    synchronized Peeked peek() {
        if (reaped || reporting || pidfd == NONE) {
            return TAKEN;
        }
        MemorySegment info = SIGINFO.get();
        try {
            if (!LibC.waitidPidfd(pidfd, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT)) {
                return NOT_YET; // woken early; the pidfd stays registered
            }
        } catch (LibC.Errno e) {
            forget();
            return new Peeked.NotOurs(e.getMessage());
        }
        reporting = true;
        return new Peeked.Status(Child.exitOf(info));
    }

    /** After a {@link Peeked.NotYet}: the loop watches the pidfd again (it fires once per arming). */
    synchronized void rearm() {
        if (reaped || reporting || pidfd == NONE || !registered) {
            return;
        }
        try {
            loop.rearm(pidfd, token, EVENTS);
        } catch (LibC.Errno e) {
            System.getLogger(PidfdLifecycle.class.getName()).log(System.Logger.Level.ERROR,
                    "cannot watch pid " + pid + " again: " + e.getMessage());
        }
    }

    /**
     * The caller waits for the exit itself, for up to {@code patience}, in poll(2) on the pidfd, with the
     * pidfd out of the loop's set meanwhile so that the exit wakes one thread, the caller, as waitpid would.
     * True when the pidfd became readable: the caller collects the exit ({@link #peek}). Else (still running,
     * interrupted, or the exit already being reported) the loop watches on and takes the exit when it comes.
     */
    boolean awaitExit(java.time.Duration patience) {
        int fd = borrow();
        if (fd == NONE) {
            return false;
        }
        boolean ready;
        try {
            MemorySegment pollfd = POLLFD.get();
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) LibC.POLLIN);
            long ms = Math.max(1, Math.min(Integer.MAX_VALUE, patience.toMillis()));
            ready = LibC.poll(pollfd, 1, (int) ms) > 0;
        } catch (LibC.Errno e) {
            ready = false;
        }
        if (!ready) {
            giveBack();
        }
        return ready;
    }

    /**
     * The pidfd's number, out of the loop's set. Disarming it would not do: epoll reports a hang-up whatever
     * it was asked to watch, and the reap makes a pidfd hang up, which would wake the loop for an exit the
     * caller collected. {@code NONE} when the exit is already being reported or gone. Several callers may
     * borrow it at once: whichever peeks first collects. The number is only polled, never acted on: should
     * another thread collect the exit and close the pidfd meanwhile, the caller's {@link #peek} says so under
     * this lock.
     */
    private synchronized int borrow() {
        if (reaped || reporting || pidfd == NONE) {
            return NONE;
        }
        if (registered) {
            loop.unregister(pidfd, token);
            registered = false;
        }
        return pidfd;
    }

    /** The caller stopped waiting before the exit: the loop watches the pidfd again. */
    private synchronized void giveBack() {
        if (reaped || reporting || pidfd == NONE || registered) {
            return;
        }
        try {
            loop.register(pidfd, token, EVENTS, this::fired);
            registered = true;
        } catch (LibC.Errno e) {
            System.getLogger(PidfdLifecycle.class.getName()).log(System.Logger.Level.ERROR,
                    "cannot watch pid " + pid + " again; only a caller that awaits it will collect its exit: "
                            + e.getMessage());
        }
    }

    /**
     * SIGKILL to the unreaped child {@code pid}, then its reap, through {@code pidfd} (closed here) or one
     * opened now. With no descriptor to be had at all (EMFILE, ENFILE) by its pid: an unreaped child's pid
     * names it and no other process, so kill and waitid on it cannot reach another.
     */
    static void killAndReap(int pid, int pidfd) {
        int fd = pidfd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            if (fd == NONE) {
                try {
                    fd = LibC.pidfdOpen(pid);
                } catch (LibC.Errno e) {
                    LibC.kill(pid, SIGKILL);
                    LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED);
                    return;
                }
            }
            try {
                LibC.pidfdSendSignal(fd, SIGKILL);
            } catch (LibC.Errno e) {
                if (e.errno != Errnos.ESRCH) {
                    throw e;
                }
                // exited already: reaped below
            }
            LibC.waitidPidfd(fd, info, LibC.WEXITED);
        } catch (LibC.Errno e) {
            System.getLogger(PidfdLifecycle.class.getName()).log(System.Logger.Level.ERROR,
                    "cannot kill the child " + pid + " that failed to start: " + e.getMessage());
        } finally {
            if (fd != NONE) {
                LibC.close(fd);
            }
        }
    }

    /** After the exit was reported: the zombie goes, and with it the pid. */
    synchronized void reap() {
        if (pidfd == NONE) {
            return; // the peek failed, or reaped already: nothing to reap
        }
        try {
            LibC.waitidPidfd(pidfd, SIGINFO.get(), LibC.WEXITED | LibC.WNOHANG);
        } catch (LibC.Errno e) {
            System.getLogger(PidfdLifecycle.class.getName()).log(System.Logger.Level.ERROR,
                    "cannot reap pid " + pid + ": " + e.getMessage());
        }
        forget();
    }

    /** Reaps now if the exit is known and being reported: released, nothing of the process may outlive it. */
    synchronized void reapIfReporting() {
        if (reporting) {
            reap();
        }
    }

    /** The process is gone for us; its pidfd is no longer watched. */
    private void forget() {
        reaped = true;
        if (pidfd != NONE) {
            if (registered) {
                loop.unregister(pidfd, token);
                registered = false;
            }
            LibC.close(pidfd);
            pidfd = NONE;
        }
    }

    /** What {@link #signal} found. */
    enum Sent {
        SENT, NOT_STARTED, FINISHED,
        /** Exited, not reaped yet: nothing to signal, and the exit is on its way. */
        EXITING
    }

    /**
     * {@code signal} to the process, or with {@code group} to its whole process group (only while it is
     * unreaped, so the group id is still its own).
     */
    synchronized Sent signal(int signal, boolean group) throws LibC.Errno {
        if (reaped) {
            return Sent.FINISHED;
        }
        if (pidfd == NONE) {
            return Sent.NOT_STARTED;
        }
        try {
            if (group) {
                LibC.killGroup(pid, signal);
            } else {
                LibC.pidfdSendSignal(pidfd, signal);
            }
            return Sent.SENT;
        } catch (LibC.Errno e) {
            if (e.errno == Errnos.ESRCH) {
                return Sent.EXITING;
            }
            throw e;
        }
    }

    /** Whether the process was ever started (it may have exited since). */
    synchronized boolean started() {
        return pidfd != NONE || reaped;
    }

    /** Started and not reaped: its pid still names it. */
    synchronized boolean live() {
        return pidfd != NONE && !reaped;
    }

    synchronized boolean reaped() {
        return reaped;
    }
}
