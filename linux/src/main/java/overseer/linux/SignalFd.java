package overseer.linux;

import overseer.core.OverseerException;
import overseer.core.Signal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The signals that reach this process, read as data from a signalfd(2) instead of handled asynchronously.
 *
 * <p>A signalfd only sees a signal that no thread takes first: it must be blocked in every thread. A JVM
 * cannot block a signal in threads that already run, so the launcher does it before the JVM starts (bin/overseer
 * runs {@code env --block-signal=...}, and every thread inherits the mask); {@link #open()} takes the signals
 * that are blocked in all of this process's threads, and none when the launcher blocked none. The JVM then
 * also needs {@code -Xrs} (it would otherwise take SIGQUIT for its thread dump, in a thread that unblocks it)
 * and its suspend signal moved off SIGUSR2 ({@code _JAVA_SR_SIGNUM}).
 *
 * <p>Blocked signals are reset by posix_spawn (NativeProcess) and by the JDK's process launcher: children
 * start with an empty mask.
 */
public final class SignalFd implements AutoCloseable {
    /** What signals a child's end or stop: SIGCHLD. */
    public static final int SIGCHLD = 17;

    /**
     * One signal as the kernel reports it.
     *
     * @param code   si_code: SI_USER (0) for kill(2), CLD_STOPPED (5) for a child that stopped, ...
     * @param status for SIGCHLD, the child's exit status or the signal that stopped it
     */
    public record Received(Signal signal, int senderPid, int senderUid, int code, int status) {
        /** A SIGCHLD saying that a child stopped (SIGTSTP, SIGTTIN, SIGSTOP, ...). */
        public boolean childStopped() {
            return signal.number() == SIGCHLD && code == LibC.CLD_STOPPED;
        }
    }

    private final int fd;
    private final int wake;
    private final Set<Signal> signals;
    private volatile boolean closed;

    private SignalFd(int fd, int wake, Set<Signal> signals) {
        this.fd = fd;
        this.wake = wake;
        this.signals = signals;
    }

    /**
     * A signalfd for every signal blocked in every thread of this process; empty when there is none (the
     * launcher blocked nothing: signals then go to the JVM's handlers as usual).
     */
    public static Optional<SignalFd> open() {
        Set<Signal> blocked = blockedInEveryThread();
        if (blocked.isEmpty()) {
            return Optional.empty();
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(LibC.SIGSET_SIZE, 8);
            LibC.sigemptyset(mask);
            blocked.forEach(s -> LibC.sigaddset(mask, s.number()));
            if (blocked.stream().anyMatch(sig -> sig.number() == SIGCHLD)) {
                // java.lang.ProcessImpl sets SIGCHLD to SIG_DFL with SA_NOCLDSTOP as it loads (its native init):
                // a child's stop would go untold. Load it first, then set the action afresh (signal(2): no
                // SA_NOCLDSTOP); the signal is still blocked, so still ours to read.
                try {
                    Class.forName("java.lang.ProcessImpl", true, null);
                } catch (ClassNotFoundException notThisJdk) {
                    // another JDK's process classes: nothing to get ahead of
                }
                LibC.defaultAction(SIGCHLD);
            }
            int fd = LibC.signalfd(mask, LibC.SFD_CLOEXEC | LibC.SFD_NONBLOCK);
            int wake;
            try {
                wake = LibC.eventfd();
            } catch (LibC.Errno e) {
                LibC.close(fd);
                throw e;
            }
            return Optional.of(new SignalFd(fd, wake, blocked));
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot read signals through a signalfd: %s", e.getMessage());
        }
    }

    /** The signals this descriptor receives. */
    public Set<Signal> signals() {
        return signals;
    }

    /**
     * The next signal; blocks until one comes. Empty once {@link #close() closed}. Standard signals do not
     * queue: several of one kind that arrive before this reads them are one.
     */
    public Optional<Received> take() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment polls = a.allocate(16, 4); // two struct pollfd {int fd; short events, revents}
            polls.set(ValueLayout.JAVA_INT, 0, fd);
            polls.set(ValueLayout.JAVA_SHORT, 4, (short) LibC.POLLIN);
            polls.set(ValueLayout.JAVA_INT, 8, wake);
            polls.set(ValueLayout.JAVA_SHORT, 12, (short) LibC.POLLIN);
            MemorySegment info = a.allocate(LibC.SIGNALFD_SIGINFO_SIZE, 8);
            while (!closed) {
                long n = LibC.read(fd, info, LibC.SIGNALFD_SIGINFO_SIZE);
                if (n == LibC.SIGNALFD_SIGINFO_SIZE) {
                    return Optional.of(new Received(Signal.of(info.get(ValueLayout.JAVA_INT, LibC.SSI_SIGNO)),
                            info.get(ValueLayout.JAVA_INT, LibC.SSI_PID), info.get(ValueLayout.JAVA_INT, LibC.SSI_UID),
                            info.get(ValueLayout.JAVA_INT, LibC.SSI_CODE), info.get(ValueLayout.JAVA_INT, LibC.SSI_STATUS)));
                }
                polls.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                polls.set(ValueLayout.JAVA_SHORT, 14, (short) 0);
                LibC.poll(polls, 2, -1);
            }
            return Optional.empty();
        } catch (LibC.Errno e) {
            if (closed) {
                return Optional.empty();
            }
            throw OverseerException.internal("cannot read the signalfd: " + e.getMessage(), e);
        }
    }

    /** Wakes a {@link #take()} in progress, which then returns empty; the descriptors close after it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            LibC.write(wake, a.allocateFrom(ValueLayout.JAVA_LONG, 1L), 8);
        } catch (LibC.Errno e) {
            // an eventfd write only fails when the counter would overflow: it is awake already
        }
        // The descriptors stay open: a take() still in poll must not see them reused. They go with the process.
    }

    /**
     * Does what the kernel would have done with {@code signal} had nobody blocked it: terminates the process,
     * stops it (returning once it is continued), or nothing for the signals ignored by default. On a platform
     * thread, whose mask it changes for a moment.
     */
    public static void actByDefault(Signal signal) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("actByDefault changes the thread's signal mask: call it on a platform thread");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(LibC.SIGSET_SIZE, 8);
            LibC.sigemptyset(one);
            LibC.sigaddset(one, signal.number());
            LibC.defaultAction(signal.number());
            LibC.pthreadSigmask(LibC.SIG_UNBLOCK, one, MemorySegment.NULL);
            try {
                LibC.raise(signal.number()); // delivered to this thread before raise returns
            } finally {
                LibC.pthreadSigmask(LibC.SIG_BLOCK, one, MemorySegment.NULL);
            }
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot act on " + signal + ": " + e.getMessage(), e);
        }
    }

    /** Stops this whole process with SIGSTOP, as a job stops; returns when it is continued (SIGCONT). */
    public static void stopThisProcess() {
        try {
            LibC.kill(LibC.getpid(), Signal.SIGSTOP.number());
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot stop this process: " + e.getMessage(), e);
        }
    }

    /**
     * Reports (and consumes) a stop of the child {@code pid}: true when it stopped since the last call. Its exit
     * is not touched (waitid with WSTOPPED only), so the process's own watcher still collects that.
     */
    public static boolean childStopped(long pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            return LibC.waitid(LibC.P_PID, (int) pid, info, LibC.WSTOPPED | LibC.WNOHANG)
                    && info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_CODE) == LibC.CLD_STOPPED;
        } catch (LibC.Errno e) {
            return false; // ECHILD: it ended and was reaped, or is not our child
        }
    }

    /** The signals blocked in every thread of this process, from each thread's SigBlk in /proc. */
    static Set<Signal> blockedInEveryThread() {
        BigInteger all = null;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                Optional<BigInteger> mask = sigBlk(t.resolve("status"));
                if (mask.isEmpty()) {
                    continue; // the thread ended while we looked
                }
                all = all == null ? mask.get() : all.and(mask.get());
            }
        } catch (IOException e) {
            throw OverseerException.unavailable("cannot list this process's threads in /proc/self/task: %s", e.getMessage());
        }
        BigInteger mask = all == null ? BigInteger.ZERO : all;
        return mask.bitCount() == 0 ? Set.of() : java.util.stream.IntStream.rangeClosed(1, 64)
                .filter(n -> mask.testBit(n - 1))
                .filter(n -> n != Signal.SIGKILL.number() && n != Signal.SIGSTOP.number())
                .filter(n -> n < 32 || n >= 34) // 32 and 33 are glibc's own
                .mapToObj(Signal::of)
                .collect(Collectors.toCollection(() -> new TreeSet<>(java.util.Comparator.comparingInt(Signal::number))));
    }

    private static Optional<BigInteger> sigBlk(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("SigBlk:")) {
                    return Optional.of(new BigInteger(line.substring(7).strip(), 16));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
