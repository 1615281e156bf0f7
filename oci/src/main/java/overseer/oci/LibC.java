package overseer.oci;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Every native call of the oci module. Few are needed: spawning conmon and the runtime with an extra pipe
 * (the JDK's ProcessBuilder can pass only stdin, stdout and stderr, and conmon reports on fd 3), signals
 * through pidfds, and the SOCK_SEQPACKET attach socket conmon offers for stdin (Java sockets are streams only).
 * Calls that fail report errno in the exception. Layouts are for x86_64 and aarch64 Linux with glibc.
 */
final class LibC {
    static final int O_CLOEXEC = 0x80000;
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int EINTR = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;
    static final int ESRCH = 3;
    static final int EPIPE = 32;
    static final int AF_UNIX = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SHUT_RD = 0;
    static final int MSG_NOSIGNAL = 0x4000;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;
    /** glibc's opaque spawn structures are 80 and 336 bytes on x86_64; allocate with room to spare. */
    private static final long SPAWN_FILE_ACTIONS_SIZE = 256;
    private static final long SPAWNATTR_SIZE = 512;
    private static final long SIGSET_SIZE = 128;
    private static final long SOCKADDR_UN_SIZE = 110;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = name -> LINKER.defaultLookup().find(name)
            .or(() -> SymbolLookup.libraryLookup("libc.so.6", Arena.global()).find(name));
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle POSIX_SPAWN = plain("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FA_INIT = plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_DESTROY = plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FA_ADDOPEN = plain("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_ADDDUP2 = plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FA_ADDCHDIR = plain("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FA_ADDCLOSEFROM = plain("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ATTR_INIT = plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_DESTROY = plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ATTR_SETFLAGS = plain("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ATTR_SETSIGMASK = plain("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ATTR_SETSIGDEFAULT = plain("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGFILLSET = plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle PIPE2 = errno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = errno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SEND = errno("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FCNTL = errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle WAITPID = errno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKET = errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = errno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = errno("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PIDFD_OPEN = errno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle PIDFD_SEND_SIGNAL = errno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(1));

    /** One errno capture buffer per thread; every FFM call fills it before it returns. */
    private static final ThreadLocal<MemorySegment> CAPTURED = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private LibC() {
    }

    /** A failed system call: its name and errno. */
    static final class Errno extends Exception {
        final int errno;

        Errno(String call, int errno) {
            super(call + ": " + strerror(errno) + " (errno " + errno + ")");
            this.errno = errno;
        }
    }

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), fd);
    }

    private static MethodHandle errno(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)),
                fd, opts);
    }

    static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static int errnoOf(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // --- spawning ----------------------------------------------------------------------------------

    /**
     * Spawns {@code argv} with {@code env}, in {@code dir}. {@code fds[i]} becomes descriptor i of the child
     * (-1: /dev/null); every other descriptor is closed in the child. Signals start unblocked and at their
     * defaults: the JVM blocks and handles some that a child must not inherit.
     */
    static int spawn(String[] argv, String[] env, String dir, int[] fds) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(SPAWN_FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = a.allocate(SPAWNATTR_SIZE, 16);
            MemorySegment empty = a.allocate(SIGSET_SIZE, 16);
            MemorySegment all = a.allocate(SIGSET_SIZE, 16);
            MemorySegment pid = a.allocate(JAVA_INT);
            check("posix_spawn_file_actions_init", (int) FA_INIT.invokeExact(fa));
            check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
            try {
                int unused = (int) SIGEMPTYSET.invokeExact(empty);
                unused = (int) SIGFILLSET.invokeExact(all);
                check("setsigmask", (int) ATTR_SETSIGMASK.invokeExact(attr, empty));
                check("setsigdefault", (int) ATTR_SETSIGDEFAULT.invokeExact(attr, all));
                check("setflags", (int) ATTR_SETFLAGS.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)));
                MemorySegment devNull = a.allocateFrom("/dev/null");
                for (int i = 0; i < fds.length; i++) {
                    if (fds[i] < 0) {
                        check("addopen", (int) FA_ADDOPEN.invokeExact(fa, i, devNull, i == 0 ? O_RDONLY : O_WRONLY, 0));
                    } else {
                        // dup2 onto itself would keep O_CLOEXEC; every source here is a fresh pipe end above the
                        // targets, so the copy is always a real one.
                        check("adddup2", (int) FA_ADDDUP2.invokeExact(fa, fds[i], i));
                    }
                }
                check("addclosefrom", (int) FA_ADDCLOSEFROM.invokeExact(fa, fds.length));
                if (dir != null) {
                    check("addchdir", (int) FA_ADDCHDIR.invokeExact(fa, a.allocateFrom(dir)));
                }
                int r = (int) POSIX_SPAWN.invokeExact(pid, a.allocateFrom(argv[0]), fa, attr, strings(a, argv), strings(a, env));
                if (r != 0) {
                    throw new Errno("posix_spawn " + argv[0], r);
                }
                return pid.get(JAVA_INT, 0);
            } finally {
                int unused = (int) FA_DESTROY.invokeExact(fa);
                unused = (int) ATTR_DESTROY.invokeExact(attr);
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void check(String what, int r) throws Errno {
        if (r != 0) {
            throw new Errno(what, r);
        }
    }

    private static MemorySegment strings(Arena a, String[] values) {
        MemorySegment array = a.allocate(ADDRESS, values.length + 1L);
        for (int i = 0; i < values.length; i++) {
            array.setAtIndex(ADDRESS, i, a.allocateFrom(values[i], StandardCharsets.UTF_8));
        }
        array.setAtIndex(ADDRESS, values.length, MemorySegment.NULL);
        return array;
    }

    /** Waits for the child {@code pid} and returns its raw wait status. */
    static int waitpid(int pid) throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment status = a.allocate(JAVA_INT);
            while (true) {
                int r = (int) WAITPID.invokeExact(c, pid, status, 0);
                if (r == pid) {
                    return status.get(JAVA_INT, 0);
                }
                if (errnoOf(c) != EINTR) {
                    throw new Errno("waitpid", errnoOf(c));
                }
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- descriptors -------------------------------------------------------------------------------

    /** A pipe whose both ends are close-on-exec: {read, write}. */
    static int[] pipe() throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            int r = (int) PIPE2.invokeExact(c, fds, O_CLOEXEC);
            if (r < 0) {
                throw new Errno("pipe2", errnoOf(c));
            }
            // Never below 10: these ends are handed to children as their descriptors 0 to 3.
            return new int[] {above(fds.getAtIndex(JAVA_INT, 0), 10), above(fds.getAtIndex(JAVA_INT, 1), 10)};
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code fd} moved to a number of at least {@code min} (close-on-exec), so that it cannot be one of the
     * child's own target descriptors: a dup2 onto itself would keep close-on-exec and lose it at the exec.
     */
    static int above(int fd, int min) throws Errno {
        if (fd >= min) {
            return fd;
        }
        MemorySegment c = CAPTURED.get();
        try {
            int r = (int) FCNTL.invokeExact(c, fd, F_DUPFD_CLOEXEC, min);
            if (r < 0) {
                throw new Errno("fcntl(F_DUPFD_CLOEXEC)", errnoOf(c));
            }
            close(fd);
            return r;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            // Linux closes the descriptor even when close reports EINTR: never retry.
            int unused = (int) CLOSE.invokeExact(CAPTURED.get(), fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads until end of file. */
    static byte[] readAll(int fd) throws Errno {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8192);
            while (true) {
                long n = (long) READ.invokeExact(c, fd, buf, 8192L);
                if (n == 0) {
                    return out.toByteArray();
                }
                if (n < 0) {
                    if (errnoOf(c) == EINTR) {
                        continue;
                    }
                    throw new Errno("read", errnoOf(c));
                }
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads one line (without its newline), or what came before end of file. */
    static String readLine(int fd) throws Errno {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(1);
            while (true) {
                long n = (long) READ.invokeExact(c, fd, b, 1L);
                if (n == 0) {
                    break;
                }
                if (n < 0) {
                    if (errnoOf(c) == EINTR) {
                        continue;
                    }
                    throw new Errno("read", errnoOf(c));
                }
                byte x = b.get(ValueLayout.JAVA_BYTE, 0);
                if (x == '\n') {
                    break;
                }
                out.write(x);
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- signals -------------------------------------------------------------------------------------

    /** A pidfd for {@code pid}: signals through it can never reach a later process that reuses the pid. */
    static int pidfdOpen(long pid) throws Errno {
        MemorySegment c = CAPTURED.get();
        try {
            long r = (long) PIDFD_OPEN.invokeExact(c, SYS_PIDFD_OPEN, (int) pid, 0);
            if (r < 0) {
                throw new Errno("pidfd_open", errnoOf(c));
            }
            return (int) r;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void pidfdSendSignal(int pidfd, int signal) throws Errno {
        MemorySegment c = CAPTURED.get();
        try {
            long r = (long) PIDFD_SEND_SIGNAL.invokeExact(c, SYS_PIDFD_SEND_SIGNAL, pidfd, signal, MemorySegment.NULL, 0);
            if (r < 0) {
                throw new Errno("pidfd_send_signal", errnoOf(c));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- the attach socket ---------------------------------------------------------------------------

    /** A SOCK_SEQPACKET connection to the Unix socket at {@code path} (at most 107 bytes). */
    static int connectSeqpacket(String path) throws Errno {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SOCKADDR_UN_SIZE - 2) {
            throw new Errno("connect " + path + " (path too long)", 36 /* ENAMETOOLONG */);
        }
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) SOCKET.invokeExact(c, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new Errno("socket", errnoOf(c));
            }
            MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE, 2);
            addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
            int r = (int) CONNECT.invokeExact(c, fd, addr, (int) SOCKADDR_UN_SIZE);
            if (r < 0) {
                int e = errnoOf(c);
                close(fd);
                throw new Errno("connect " + path, e);
            }
            return fd;
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sends one packet; a closed peer is EPIPE, never a SIGPIPE. */
    static void send(int fd, byte[] data, int off, int len) throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, len));
            MemorySegment.copy(data, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            while (true) {
                long n = (long) SEND.invokeExact(c, fd, buf, (long) len, MSG_NOSIGNAL);
                if (n >= 0) {
                    return;
                }
                if (errnoOf(c) != EINTR) {
                    throw new Errno("send", errnoOf(c));
                }
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void shutdown(int fd, int how) throws Errno {
        MemorySegment c = CAPTURED.get();
        try {
            int r = (int) SHUTDOWN.invokeExact(c, fd, how);
            if (r < 0) {
                throw new Errno("shutdown", errnoOf(c));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
