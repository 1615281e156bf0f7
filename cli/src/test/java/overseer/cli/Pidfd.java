package overseer.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * For tests: SIGKILL to a pid through a pidfd (pidfd_open, pidfd_send_signal, close), the project's one way of
 * signalling a process by number, so a pid reused between reading it and signalling it cannot reach a stranger.
 * linux's own pidfd calls are package-private (LibC) and bench's Pidfd is not on the cli's test classpath.
 */
final class Pidfd {
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SIGKILL = 9;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private Pidfd() {
    }

    /** SIGKILL to {@code pid}; false when it is gone already. */
    static boolean kill(long pid) {
        try {
            long fd = (long) SYSCALL.invokeExact(SYS_PIDFD_OPEN, pid, 0L, 0L, 0L);
            if (fd < 0) {
                return false;
            }
            try {
                return (long) SYSCALL.invokeExact(SYS_PIDFD_SEND_SIGNAL, fd, SIGKILL, MemorySegment.NULL.address(), 0L) == 0;
            } finally {
                int ignored = (int) CLOSE.invokeExact((int) fd);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("pidfd SIGKILL to " + pid, t);
        }
    }
}
