package overseer.linux;

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
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Every native call of the linux module, through java.lang.foreign. Calls that report failure through
 * errno capture it and throw {@link Errno}; posix_spawn returns its error number directly.
 * Layouts are for x86_64 and aarch64 Linux with glibc.
 */
final class LibC {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0x40;
    static final int O_TRUNC = 0x200;
    static final int O_APPEND = 0x400;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;

    static final short POSIX_SPAWN_SETPGROUP = 0x02;
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    static final int P_ALL = 0;
    static final int P_PID = 1;
    static final int P_PIDFD = 3;
    static final int WEXITED = 4;
    static final int WNOHANG = 1;
    /** waitid: report the exit but leave the child a zombie, to be reaped by a later waitid. */
    static final int WNOWAIT = 0x01000000;
    static final int CLD_EXITED = 1;
    static final int CLD_KILLED = 2;
    static final int CLD_DUMPED = 3;

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 0x001;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLPRI = 0x002;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;

    static final int EINTR = 4;
    static final int ESRCH = 3;
    static final int EAGAIN = 11;
    static final int ECHILD = 10;

    static final int PR_SET_PDEATHSIG = 1;
    static final int PR_SET_CHILD_SUBREAPER = 36;
    static final int PR_CAPBSET_READ = 23;
    static final int PR_CAPBSET_DROP = 24;
    static final int SC_CLK_TCK = 2;
    static final int SC_PAGESIZE = 30;

    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;

    /** glibc's opaque spawn structures are 80 and 336 bytes on x86_64; allocate with room to spare. */
    static final long SPAWN_FILE_ACTIONS_SIZE = 256;
    static final long SPAWNATTR_SIZE = 512;
    static final long SIGSET_SIZE = 128;
    static final long SIGINFO_SIZE = 128;
    static final long SIGINFO_CODE = 8;
    static final long SIGINFO_PID = 16;
    static final long SIGINFO_STATUS = 24;

    /** struct epoll_event is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16 bytes). */
    static final boolean X86_64 = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"));
    static final long EPOLL_EVENT_SIZE = X86_64 ? 12 : 16;
    static final long EPOLL_EVENT_DATA = X86_64 ? 4 : 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = name -> LINKER.defaultLookup().find(name)
            .or(() -> SymbolLookup.libraryLookup("libc.so.6", Arena.global()).find(name));
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

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
    private static final MethodHandle ATTR_SETPGROUP = plain("posix_spawnattr_setpgroup",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
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
    private static final MethodHandle WRITE = errno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle OPENPTY = errno("openpty",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle IOCTL_PTR = errno("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL = errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SYSCALL_PIDFD_OPEN = errno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL_PIDFD_SEND_SIGNAL = errno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle KILL = errno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle WAITID = errno("waitid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 = errno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = errno("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT = errno("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle EVENTFD = errno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = errno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle GETRLIMIT = errno("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETRLIMIT = errno("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FALLOCATE = errno("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    static final int EOPNOTSUPP = 95;
    static final int EINVAL = 22;
    private static final MethodHandle PREAD = errno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PRCTL = errno("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle FA_ADDTCSETPGRP = plain("posix_spawn_file_actions_addtcsetpgrp_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGADDSET = plain("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGISMEMBER = plain("sigismember", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = plain("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGNALFD = errno("signalfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGNAL = errno("signal", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle RAISE = errno("raise", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle TCGETPGRP = errno("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCSETPGRP = errno("tcsetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = errno("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = errno("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = plain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle ISATTY = plain("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPGRP = plain("getpgrp", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID = plain("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = plain("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = plain("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPPID = plain("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SYSCONF = plain("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    // Each thread gets one errno capture buffer; FFM calls fill it before returning.
    private static final ThreadLocal<MemorySegment> CAPTURED = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private LibC() {
    }

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MethodHandle errno(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = ERRNO_OPT;
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), fd, opts);
    }

    private static MemorySegment symbol(String name) {
        Optional<MemorySegment> s = LIBC.find(name);
        return s.orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    /** A failed system call: its name and errno. */
    static final class Errno extends Exception {
        final int errno;

        Errno(String call, int errno) {
            super(call + ": " + Errnos.name(errno) + " (" + strerror(errno) + ")");
            this.errno = errno;
        }
    }

    private static int lastErrno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
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

    // --- posix_spawn ------------------------------------------------------------------------------

    /** Returns 0 or an error number, as posix_spawn does. */
    static int posixSpawn(MemorySegment pidOut, MemorySegment path, MemorySegment fileActions, MemorySegment attr,
                          MemorySegment argv, MemorySegment envp) {
        try {
            return (int) POSIX_SPAWN.invokeExact(pidOut, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int fileActionsInit(MemorySegment fa) {
        return callInt(FA_INIT, fa);
    }

    static int fileActionsDestroy(MemorySegment fa) {
        return callInt(FA_DESTROY, fa);
    }

    static int addOpen(MemorySegment fa, int fd, MemorySegment path, int flags, int mode) {
        try {
            return (int) FA_ADDOPEN.invokeExact(fa, fd, path, flags, mode);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int addDup2(MemorySegment fa, int fd, int newFd) {
        try {
            return (int) FA_ADDDUP2.invokeExact(fa, fd, newFd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int addChdir(MemorySegment fa, MemorySegment path) {
        try {
            return (int) FA_ADDCHDIR.invokeExact(fa, path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int addCloseFrom(MemorySegment fa, int from) {
        try {
            return (int) FA_ADDCLOSEFROM.invokeExact(fa, from);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int attrInit(MemorySegment attr) {
        return callInt(ATTR_INIT, attr);
    }

    static int attrDestroy(MemorySegment attr) {
        return callInt(ATTR_DESTROY, attr);
    }

    static int attrSetFlags(MemorySegment attr, short flags) {
        try {
            return (int) ATTR_SETFLAGS.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int attrSetPgroup(MemorySegment attr, int pgid) {
        try {
            return (int) ATTR_SETPGROUP.invokeExact(attr, pgid);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int attrSetSigmask(MemorySegment attr, MemorySegment set) {
        try {
            return (int) ATTR_SETSIGMASK.invokeExact(attr, set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int attrSetSigdefault(MemorySegment attr, MemorySegment set) {
        try {
            return (int) ATTR_SETSIGDEFAULT.invokeExact(attr, set);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int sigemptyset(MemorySegment set) {
        return callInt(SIGEMPTYSET, set);
    }

    static int sigfillset(MemorySegment set) {
        return callInt(SIGFILLSET, set);
    }

    private static int callInt(MethodHandle h, MemorySegment arg) {
        try {
            return (int) h.invokeExact(arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- descriptors --------------------------------------------------------------------------------

    /** pipe2 into {@code fds} (two ints). */
    static void pipe2(MemorySegment fds, int flags) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) PIPE2.invokeExact(c, fds, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("pipe2", lastErrno(c));
        }
    }

    static void close(int fd) {
        MemorySegment c = CAPTURED.get();
        try {
            int r = (int) CLOSE.invokeExact(c, fd);
            // EINTR on Linux still closes the descriptor; nothing else is worth reporting here.
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2): bytes read, 0 at end of file, -EAGAIN when a non-blocking descriptor is empty. */
    static long read(int fd, MemorySegment buf, long len) throws Errno {
        MemorySegment c = CAPTURED.get();
        while (true) {
            long r;
            try {
                r = (long) READ.invokeExact(c, fd, buf, len);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                return r;
            }
            int e = lastErrno(c);
            if (e == EAGAIN) {
                return -EAGAIN;
            }
            if (e != EINTR) {
                throw new Errno("read", e);
            }
        }
    }

    static long write(int fd, MemorySegment buf, long len) throws Errno {
        MemorySegment c = CAPTURED.get();
        while (true) {
            long r;
            try {
                r = (long) WRITE.invokeExact(c, fd, buf, len);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                return r;
            }
            int e = lastErrno(c);
            if (e != EINTR) {
                throw new Errno("write", e);
            }
        }
    }

    static final short POSIX_SPAWN_SETSID = 0x80;
    static final int O_RDWR = 2;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final long TIOCSWINSZ = 0x5414;

    /** A pseudo-terminal: returns {master, slave} and writes the slave's path into {@code name} (64+ bytes). */
    static int[] openpty(MemorySegment name) throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(JAVA_INT);
            MemorySegment sl = a.allocate(JAVA_INT);
            int r = (int) OPENPTY.invokeExact(c, m, sl, name, MemorySegment.NULL, MemorySegment.NULL);
            if (r < 0) {
                throw new Errno("openpty", lastErrno(c));
            }
            return new int[]{m.get(JAVA_INT, 0), sl.get(JAVA_INT, 0)};
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A second descriptor for the same open file, close-on-exec. */
    static int dupCloexec(int fd) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) FCNTL.invokeExact(c, fd, F_DUPFD_CLOEXEC, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("fcntl(F_DUPFD_CLOEXEC)", lastErrno(c));
        }
        return r;
    }

    /** TIOCSWINSZ: the terminal's size, which the kernel tells the foreground group with SIGWINCH. */
    static void setWindowSize(int fd, int columns, int rows) throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8, 2); // struct winsize { rows, cols, xpixel, ypixel }
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) columns);
            int r = (int) IOCTL_PTR.invokeExact(c, fd, TIOCSWINSZ, ws);
            if (r < 0) {
                throw new Errno("ioctl(TIOCSWINSZ)", lastErrno(c));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void setNonBlocking(int fd) throws Errno {
        MemorySegment c = CAPTURED.get();
        try {
            int flags = (int) FCNTL.invokeExact(c, fd, F_GETFL, 0);
            if (flags < 0 || (int) FCNTL.invokeExact(c, fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                throw new Errno("fcntl", lastErrno(c));
            }
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- processes ----------------------------------------------------------------------------------

    static int pidfdOpen(int pid) throws Errno {
        MemorySegment c = CAPTURED.get();
        long r;
        try {
            r = (long) SYSCALL_PIDFD_OPEN.invokeExact(c, SYS_PIDFD_OPEN, pid, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("pidfd_open", lastErrno(c));
        }
        return (int) r;
    }

    static void pidfdSendSignal(int pidfd, int signal) throws Errno {
        MemorySegment c = CAPTURED.get();
        long r;
        try {
            r = (long) SYSCALL_PIDFD_SEND_SIGNAL.invokeExact(c, SYS_PIDFD_SEND_SIGNAL, pidfd, signal, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("pidfd_send_signal", lastErrno(c));
        }
    }

    /** kill(2) on a process group; callers guarantee the group cannot have been recycled. */
    static void killGroup(int pgid, int signal) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) KILL.invokeExact(c, -pgid, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("kill", lastErrno(c));
        }
    }

    /** waitid(P_PIDFD, ...): fills {@code siginfo}; returns false under WNOHANG when nothing has exited yet. */
    static boolean waitidPidfd(int pidfd, MemorySegment siginfo, int options) throws Errno {
        return waitid(P_PIDFD, pidfd, siginfo, options);
    }

    /**
     * waitid(2) on any {@code idtype} (P_ALL, P_PID, P_PIDFD): fills {@code siginfo}; returns false under
     * WNOHANG when nothing has exited yet; ECHILD when there is no such child.
     */
    static boolean waitid(int idtype, int id, MemorySegment siginfo, int options) throws Errno {
        MemorySegment c = CAPTURED.get();
        siginfo.fill((byte) 0);
        while (true) {
            int r;
            try {
                r = (int) WAITID.invokeExact(c, idtype, id, siginfo, options);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r == 0) {
                return siginfo.get(ValueLayout.JAVA_INT, 0) != 0; // si_signo is SIGCHLD once a child was collected
            }
            int e = lastErrno(c);
            if (e != EINTR) {
                throw new Errno("waitid", e);
            }
        }
    }

    // --- epoll --------------------------------------------------------------------------------------

    static int epollCreate() throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) EPOLL_CREATE1.invokeExact(c, EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("epoll_create1", lastErrno(c));
        }
        return r;
    }

    static void epollCtl(int epfd, int op, int fd, int events, long data, MemorySegment scratch) throws Errno {
        MemorySegment c = CAPTURED.get();
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        scratch.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_EVENT_DATA, data);
        int r;
        try {
            r = (int) EPOLL_CTL.invokeExact(c, epfd, op, fd, scratch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("epoll_ctl", lastErrno(c));
        }
    }

    /** epoll_wait; returns the number of ready events, 0 when interrupted. */
    static int epollWait(int epfd, MemorySegment events, int max, int timeoutMs) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) EPOLL_WAIT.invokeExact(c, epfd, events, max, timeoutMs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            int e = lastErrno(c);
            if (e == EINTR) {
                return 0;
            }
            throw new Errno("epoll_wait", e);
        }
        return r;
    }

    static int eventfd() throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) EVENTFD.invokeExact(c, 0, EFD_CLOEXEC | EFD_NONBLOCK);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("eventfd", lastErrno(c));
        }
        return r;
    }

    // --- files ----------------------------------------------------------------------------------------

    /** open(2) without creating; the descriptor is close-on-exec. */
    static int open(String path, int flags) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try (Arena a = Arena.ofConfined()) {
            r = (int) OPEN.invokeExact(c, a.allocateFrom(path), flags | O_CLOEXEC, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("open " + path, lastErrno(c));
        }
        return r;
    }

    /** fallocate(2) with {@code mode}, e.g. {@link #FALLOC_FL_COLLAPSE_RANGE}. */
    static void fallocate(int fd, int mode, long offset, long len) throws Errno {
        MemorySegment c = CAPTURED.get();
        while (true) {
            int r;
            try {
                r = (int) FALLOCATE.invokeExact(c, fd, mode, offset, len);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r == 0) {
                return;
            }
            int e = lastErrno(c);
            if (e != EINTR) {
                throw new Errno("fallocate", e);
            }
        }
    }

    /** pread(2): reads from {@code offset} without moving the file position. */
    static long pread(int fd, MemorySegment buf, long len, long offset) throws Errno {
        MemorySegment c = CAPTURED.get();
        while (true) {
            long r;
            try {
                r = (long) PREAD.invokeExact(c, fd, buf, len, offset);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                return r;
            }
            int e = lastErrno(c);
            if (e != EINTR) {
                throw new Errno("pread", e);
            }
        }
    }

    // --- threads, credentials, capabilities ------------------------------------------------------------

    /** The kernel id of the calling (platform) thread: what a cgroup v1 {@code tasks} file takes. */
    static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getppid() {
        try {
            return (int) GETPPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long sysconf(int name) {
        try {
            return (long) SYSCONF.invokeExact(name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** prctl(2) with numeric arguments; returns its result. */
    static int prctl(int option, long arg2) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) PRCTL.invokeExact(c, option, arg2, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("prctl", lastErrno(c));
        }
        return r;
    }

    /** kill(2) on one process; callers guarantee the pid cannot have been recycled (an unreaped child). */
    static void kill(int pid, int signal) throws Errno {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid);
        }
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) KILL.invokeExact(c, pid, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("kill", lastErrno(c));
        }
    }

    // --- signals and terminals -------------------------------------------------------------------------

    static final int SIG_BLOCK = 0;
    static final int SIGTTOU = 22;
    static final int SIG_UNBLOCK = 1;
    static final int SFD_CLOEXEC = 0x80000;
    static final int SFD_NONBLOCK = 0x800;
    /** struct signalfd_siginfo: 128 bytes; the fields Overseer reads. */
    static final long SIGNALFD_SIGINFO_SIZE = 128;
    static final long SSI_SIGNO = 0;
    static final long SSI_CODE = 8;
    static final long SSI_PID = 12;
    static final long SSI_UID = 16;
    static final long SSI_STATUS = 40;
    static final int POLLIN = 0x001;
    static final int WSTOPPED = 2;
    static final int CLD_STOPPED = 5;
    static final int ENOTTY = 25;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int O_NOCTTY = 0x100;
    static final long TIOCGWINSZ = 0x5413;
    static final int TCSADRAIN = 1;
    /** struct termios with glibc: four flags, c_line, 32 control characters, two speeds: 60 bytes. */
    static final long TERMIOS_SIZE = 60;

    static int addTcsetpgrp(MemorySegment fa, int fd) {
        try {
            return (int) FA_ADDTCSETPGRP.invokeExact(fa, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int sigaddset(MemorySegment set, int signo) {
        try {
            return (int) SIGADDSET.invokeExact(set, signo);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static boolean sigismember(MemorySegment set, int signo) {
        try {
            return (int) SIGISMEMBER.invokeExact(set, signo) == 1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pthread_sigmask on the calling (platform) thread; returns 0 or an error number. */
    static int pthreadSigmask(int how, MemorySegment set, MemorySegment old) {
        try {
            return (int) PTHREAD_SIGMASK.invokeExact(how, set, old);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int signalfd(MemorySegment mask, int flags) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) SIGNALFD.invokeExact(c, -1, mask, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("signalfd", lastErrno(c));
        }
        return r;
    }

    /** signal(2) back to the default action (SIG_DFL is the null handler). */
    static void defaultAction(int signo) throws Errno {
        MemorySegment c = CAPTURED.get();
        MemorySegment r;
        try {
            r = (MemorySegment) SIGNAL.invokeExact(c, signo, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r.address() == -1L) {
            throw new Errno("signal", lastErrno(c));
        }
    }

    /** raise(3): the signal to the calling thread. */
    static void raise(int signo) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) RAISE.invokeExact(c, signo);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw new Errno("raise", lastErrno(c));
        }
    }

    /** poll(2) on {@code n} struct pollfd (8 bytes each); the number ready, 0 on timeout or interruption. */
    static int poll(MemorySegment fds, int n, int timeoutMs) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) POLL.invokeExact(c, fds, (long) n, timeoutMs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            int e = lastErrno(c);
            if (e == EINTR) {
                return 0;
            }
            throw new Errno("poll", e);
        }
        return r;
    }

    static int tcgetpgrp(int fd) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) TCGETPGRP.invokeExact(c, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("tcgetpgrp", lastErrno(c));
        }
        return r;
    }

    static void tcsetpgrp(int fd, int pgrp) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) TCSETPGRP.invokeExact(c, fd, pgrp);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("tcsetpgrp", lastErrno(c));
        }
    }

    static void tcgetattr(int fd, MemorySegment termios) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) TCGETATTR.invokeExact(c, fd, termios);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("tcgetattr", lastErrno(c));
        }
    }

    static void tcsetattr(int fd, int when, MemorySegment termios) throws Errno {
        MemorySegment c = CAPTURED.get();
        while (true) {
            int r;
            try {
                r = (int) TCSETATTR.invokeExact(c, fd, when, termios);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r == 0) {
                return;
            }
            int e = lastErrno(c);
            if (e != EINTR) {
                throw new Errno("tcsetattr", e);
            }
        }
    }

    static void cfmakeraw(MemorySegment termios) {
        try {
            CFMAKERAW.invokeExact(termios);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getpgrp() {
        try {
            return (int) GETPGRP.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** TIOCGWINSZ: {columns, rows} of a terminal. */
    static int[] windowSize(int fd) throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8, 2);
            int r = (int) IOCTL_PTR.invokeExact(c, fd, TIOCGWINSZ, ws);
            if (r < 0) {
                throw new Errno("ioctl(TIOCGWINSZ)", lastErrno(c));
            }
            return new int[]{Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2)),
                    Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0))};
        } catch (Errno e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --- Unix datagram sockets (sd_notify) ------------------------------------------------------------
    // The JDK has Unix stream channels only; systemd's $NOTIFY_SOCKET is SOCK_DGRAM, possibly abstract.

    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(struct sockaddr_un): sa_family_t then sun_path[108]. */
    static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_OFFSET = 2;

    private static final MethodHandle SOCKET = errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = errno("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = errno("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    static int socket(int domain, int type) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) SOCKET.invokeExact(c, domain, type, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("socket", lastErrno(c));
        }
        return r;
    }

    /**
     * A {@code struct sockaddr_un} for {@code path} in {@code a}; returns its length. A path starting with '@'
     * names an abstract socket (a leading NUL, no terminating one), as systemd writes it in $NOTIFY_SOCKET.
     */
    static int sockaddrUn(Arena a, MemorySegment addr, String path) {
        byte[] p = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        boolean abstractName = p.length > 0 && p[0] == '@';
        int len = p.length + (abstractName ? 0 : 1);
        if (len > SOCKADDR_UN_SIZE - SUN_PATH_OFFSET || p.length == 0) {
            throw new IllegalArgumentException("not a Unix socket address (empty or longer than 107 bytes): " + path);
        }
        addr.fill((byte) 0);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, p.length);
        if (abstractName) {
            addr.set(ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, (byte) 0);
        }
        return SUN_PATH_OFFSET + len;
    }

    static void bind(int fd, MemorySegment addr, int addrLen) throws Errno {
        MemorySegment c = CAPTURED.get();
        int r;
        try {
            r = (int) BIND.invokeExact(c, fd, addr, addrLen);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new Errno("bind", lastErrno(c));
        }
    }

    /** sendto(2) of one datagram, retried on EINTR; returns the bytes sent. */
    static long sendto(int fd, MemorySegment buf, long len, MemorySegment addr, int addrLen) throws Errno {
        MemorySegment c = CAPTURED.get();
        while (true) {
            long r;
            try {
                r = (long) SENDTO.invokeExact(c, fd, buf, len, MSG_NOSIGNAL, addr, addrLen);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                return r;
            }
            int e = lastErrno(c);
            if (e != EINTR) {
                throw new Errno("sendto", e);
            }
        }
    }

    /** recv(2) without blocking: the datagram's length, or -EAGAIN when none is queued. */
    static long recvNow(int fd, MemorySegment buf, long len) throws Errno {
        MemorySegment c = CAPTURED.get();
        while (true) {
            long r;
            try {
                r = (long) RECV.invokeExact(c, fd, buf, len, MSG_DONTWAIT);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                return r;
            }
            int e = lastErrno(c);
            if (e == EAGAIN) {
                return -EAGAIN;
            }
            if (e != EINTR) {
                throw new Errno("recv", e);
            }
        }
    }

    static final int RLIMIT_NOFILE = 7;

    /** getrlimit(2): {soft, hard} of {@code resource}; RLIM_INFINITY reads as -1 (all bits set). */
    static long[] getrlimit(int resource) throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lim = a.allocate(JAVA_LONG, 2); // struct rlimit { rlim_t rlim_cur, rlim_max; }
            int r;
            try {
                r = (int) GETRLIMIT.invokeExact(c, resource, lim);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r < 0) {
                throw new Errno("getrlimit", lastErrno(c));
            }
            return new long[]{lim.getAtIndex(JAVA_LONG, 0), lim.getAtIndex(JAVA_LONG, 1)};
        }
    }

    /** setrlimit(2) of {@code resource} to {soft, hard}. */
    static void setrlimit(int resource, long soft, long hard) throws Errno {
        MemorySegment c = CAPTURED.get();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lim = a.allocate(JAVA_LONG, 2);
            lim.setAtIndex(JAVA_LONG, 0, soft);
            lim.setAtIndex(JAVA_LONG, 1, hard);
            int r;
            try {
                r = (int) SETRLIMIT.invokeExact(c, resource, lim);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r < 0) {
                throw new Errno("setrlimit", lastErrno(c));
            }
        }
    }
}
