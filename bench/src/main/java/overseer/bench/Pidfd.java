package overseer.bench;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Signals a process by pid through a pidfd (pidfd_open, pidfd_send_signal, close), so a pid reused between
 * looking it up and signalling cannot send the signal to a stranger. The peers' daemons and the crashing
 * programs are signalled only through this.
 */
final class Pidfd {
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final Linker LINKER = Linker.nativeLinker();
    // syscall(long number, ...): the variadic arguments as longs, which is what the kernel takes.
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private Pidfd() {
    }

    /** Sends {@code signal} to {@code pid}; false when the process is gone already. */
    static boolean signal(long pid, int signal) {
        try {
            long fd = (long) SYSCALL.invokeExact(SYS_PIDFD_OPEN, pid, 0L, 0L, 0L);
            if (fd < 0) {
                return false;
            }
            try {
                return (long) SYSCALL.invokeExact(SYS_PIDFD_SEND_SIGNAL, fd, (long) signal, MemorySegment.NULL.address(), 0L) == 0;
            } finally {
                int ignored = (int) CLOSE.invokeExact((int) fd);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("pidfd signal " + signal + " to " + pid, t);
        }
    }

    /** SIGTERM, then SIGKILL if it has not ended within the grace: how every peer daemon the bench started is stopped. */
    static void stop(Process p, java.time.Duration grace) throws InterruptedException {
        if (!p.isAlive()) {
            return;
        }
        signal(p.pid(), SIGTERM);
        if (!p.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            signal(p.pid(), SIGKILL);
            p.waitFor();
        }
    }
}
