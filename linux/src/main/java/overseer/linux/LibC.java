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
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Every native call of Overseer, through java.lang.foreign: the one place that knows the linker, the layouts
 * and errno (the oci module reaches it through the public types of this package). Calls that report failure
 * through errno capture it and throw {@link Errno}; posix_spawn and its helpers return their error number
 * directly. Layouts are for x86_64 and aarch64 Linux with glibc.
 *
 * <p>Longer than other files for a reason: one handle and one short method per call, kept together so
 * that nothing else in the code base sets up a downcall.
 */
final class LibC {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0x40;
    static final int O_NOCTTY = 0x100;
    static final int O_TRUNC = 0x200;
    static final int O_APPEND = 0x400;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    /** A descriptor that names a file without opening it for reading or writing: enough for clone3's cgroup. */
    static final int O_PATH = 0x200000;
    static final int F_DUPFD_CLOEXEC = 1030;
    static final int F_ADD_SEALS = 1033;
    /** No more seals, no shrinking, no growing, no writing: the memfd's contents are fixed for good. */
    static final int F_SEALS_ALL = 1 | 2 | 4 | 8;
    static final int MFD_CLOEXEC = 1;
    static final int MFD_ALLOW_SEALING = 2;
    /** Executable even where vm.memfd_noexec seals new memfds against it (Linux 6.3+; older kernels: EINVAL). */
    static final int MFD_EXEC = 0x10;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;

    static final short POSIX_SPAWN_SETPGROUP = 0x02;
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final short POSIX_SPAWN_SETSID = 0x80;

    static final int P_ALL = 0;
    static final int P_PID = 1;
    static final int P_PIDFD = 3;
    static final int WNOHANG = 1;
    static final int WSTOPPED = 2;
    static final int WEXITED = 4;
    /** waitid: report the exit but leave the child a zombie, to be reaped by a later waitid. */
    static final int WNOWAIT = 0x01000000;
    static final int CLD_EXITED = 1;
    static final int CLD_KILLED = 2;
    static final int CLD_DUMPED = 3;
    static final int CLD_STOPPED = 5;

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 0x001;
    static final int EPOLLPRI = 0x002;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    static final int POLLIN = 0x001;

    // The errno values LibC's callers test for (Errnos names every one Overseer reports).
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int ECHILD = 10;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int EOPNOTSUPP = 95;

    static final int PR_SET_PDEATHSIG = 1;
    static final int PR_CAPBSET_READ = 23;
    static final int PR_CAPBSET_DROP = 24;
    static final int PR_SET_CHILD_SUBREAPER = 36;
    static final int SC_CLK_TCK = 2;
    static final int SC_PAGESIZE = 30;
    static final int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    static final int RLIMIT_NOFILE = 7;

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

    static final int SIG_BLOCK = 0;
    static final int SIG_UNBLOCK = 1;
    static final int SIGTTOU = 22;
    static final int SFD_CLOEXEC = 0x80000;
    static final int SFD_NONBLOCK = 0x800;
    /** struct signalfd_siginfo: 128 bytes; the fields Overseer reads. */
    static final long SIGNALFD_SIGINFO_SIZE = 128;
    static final long SSI_SIGNO = 0;
    static final long SSI_CODE = 8;
    static final long SSI_PID = 12;
    static final long SSI_UID = 16;
    static final long SSI_STATUS = 40;
    static final long TIOCGWINSZ = 0x5413;
    static final long TIOCSWINSZ = 0x5414;
    static final int TCSADRAIN = 1;
    /** struct termios with glibc: four flags, c_line, 32 control characters, two speeds: 60 bytes. */
    static final long TERMIOS_SIZE = 60;

    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SHUT_RD = 0;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(struct sockaddr_un): sa_family_t then sun_path[108]. */
    static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_OFFSET = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = name -> LINKER.defaultLookup().find(name)
            .or(() -> SymbolLookup.libraryLookup("libc.so.6", Arena.global()).find(name));
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

    // Calls that return their error (or cannot fail): no errno capture.
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
    private static final MethodHandle FA_ADDTCSETPGRP = plain("posix_spawn_file_actions_addtcsetpgrp_np",
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
    private static final MethodHandle SIGADDSET = plain("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGISMEMBER = plain("sigismember", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = plain("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle CFMAKERAW = plain("cfmakeraw", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle ISATTY = plain("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPGRP = plain("getpgrp", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID = plain("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = plain("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = plain("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPPID = plain("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SYSCONF = plain("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    // Calls that set errno.
    private static final MethodHandle PIPE2 = errno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP3 = errno("dup3", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = errno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = errno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PREAD = errno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle OPEN = errno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL = errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_PTR = errno("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MEMFD_CREATE = errno("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FALLOCATE = errno("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle OPENPTY = errno("openpty",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
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
    private static final MethodHandle INOTIFY_INIT1 = errno("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH = errno("inotify_add_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle INOTIFY_RM_WATCH = errno("inotify_rm_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = errno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle GETRLIMIT = errno("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETRLIMIT = errno("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle PRCTL = errno("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SIGNALFD = errno("signalfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SIGNAL = errno("signal", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle RAISE = errno("raise", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETPGRP = errno("tcgetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle TCSETPGRP = errno("tcsetpgrp", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle TCGETATTR = errno("tcgetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = errno("tcsetattr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SOCKET = errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = errno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = errno("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO = errno("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = errno("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

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
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    /** A failed system call: its name and errno. */
    static final class Errno extends Exception {
        final int errno;

        Errno(String call, int errno) {
            super(call + ": " + Errnos.name(errno) + " (" + strerror(errno) + ")");
            this.errno = errno;
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    // --- the one way every call is made ---------------------------------------------------------------

    /** A downcall: the handle invoked with its arguments, its result widened to a long. */
    @FunctionalInterface
    private interface Call {
        long invoke() throws Throwable;
    }

    /** A downcall that captures errno into the segment it is given. */
    @FunctionalInterface
    private interface ErrnoCall {
        long invoke(MemorySegment capture) throws Throwable;
    }

    /** Makes a call that cannot fail (or returns its error number): only the linker's own failures are thrown. */
    private static long call(Call c) {
        try {
            return c.invoke();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Makes a call that sets errno: its result when not negative, else {@code -errno}. */
    private static long orMinusErrno(ErrnoCall c) {
        MemorySegment capture = CAPTURED.get();
        long r;
        try {
            r = c.invoke(capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return r >= 0 ? r : -(int) ERRNO.get(capture, 0L);
    }

    /** The call's result; a failure throws {@link Errno} naming {@code name}. */
    private static long checked(String name, ErrnoCall c) throws Errno {
        long r = orMinusErrno(c);
        if (r < 0) {
            throw new Errno(name, (int) -r);
        }
        return r;
    }

    /** Like {@link #checked}, but made again while a signal interrupts it (EINTR). */
    private static long retried(String name, ErrnoCall c) throws Errno {
        long r;
        do {
            r = orMinusErrno(c);
        } while (r == -EINTR);
        if (r < 0) {
            throw new Errno(name, (int) -r);
        }
        return r;
    }

    /** Like {@link #retried}, but {@code quiet} is returned as {@code -quiet} instead of thrown (EAGAIN, EINTR). */
    private static long quietly(String name, int quiet, ErrnoCall c) throws Errno {
        long r;
        do {
            r = orMinusErrno(c);
        } while (r == -EINTR && quiet != EINTR);
        if (r < 0 && r != -quiet) {
            throw new Errno(name, (int) -r);
        }
        return r;
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

    // --- libspawn (src/main/c/spawn.c) ----------------------------------------------------------------

    /**
     * overseer_spawn's arguments: path, argv, envp, actions, count, group, cgroup fd, share_below, int *in_child;
     * returns the pid or -errno.
     */
    private static final FunctionDescriptor OVERSEER_SPAWN = FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    /** struct action of spawn.c: kind, fd, from, flags, then the path. */
    static final long SPAWN_ACTION_SIZE = 24;

    /** libspawn's handle, loaded on first use from its sealed memfd; empty where this build or host has none. */
    private static final class SpawnLibrary {
        private static final System.Logger LOG = System.getLogger(SpawnLibrary.class.getName());
        static final Optional<MethodHandle> SPAWN = load();

        private static Optional<MethodHandle> load() {
            return BundledProgram.SPAWN_LIBRARY.path().flatMap(path -> {
                try {
                    // The library lives as long as the JVM, as libc does.
                    // By name, not Path: a Path is resolved to its real name first, "/memfd:... (deleted)", which dlopen cannot open.
                    SymbolLookup lib = SymbolLookup.libraryLookup(path, Arena.global());
                    return lib.find("overseer_spawn").map(f -> LINKER.downcallHandle(f, OVERSEER_SPAWN));
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot load libspawn: " + e.getMessage());
                    return Optional.empty();
                }
            });
        }
    }

    static boolean cloneSpawnLoaded() {
        return SpawnLibrary.SPAWN.isPresent();
    }

    /** spawn.c's overseer_spawn: the pid, or -errno (inChild 1: the child's, which was reaped; 0: clone3's). */
    static long cloneSpawn(MemorySegment path, MemorySegment argv, MemorySegment envp, MemorySegment actions, int count,
                           int group, int cgroupFd, int shareBelow, MemorySegment inChild) {
        MethodHandle h = SpawnLibrary.SPAWN.orElseThrow(() -> new IllegalStateException("libspawn is not loaded"));
        return call(() -> (long) h.invokeExact(path, argv, envp, actions, count, group, cgroupFd, shareBelow, inChild));
    }

    // --- posix_spawn ------------------------------------------------------------------------------

    /** Returns 0 or an error number, as posix_spawn does. */
    static int posixSpawn(MemorySegment pidOut, MemorySegment path, MemorySegment fileActions, MemorySegment attr,
                          MemorySegment argv, MemorySegment envp) {
        return (int) call(() -> (int) POSIX_SPAWN.invokeExact(pidOut, path, fileActions, attr, argv, envp));
    }

    static int fileActionsInit(MemorySegment fa) {
        return (int) call(() -> (int) FA_INIT.invokeExact(fa));
    }

    static int fileActionsDestroy(MemorySegment fa) {
        return (int) call(() -> (int) FA_DESTROY.invokeExact(fa));
    }

    static int addOpen(MemorySegment fa, int fd, MemorySegment path, int flags, int mode) {
        return (int) call(() -> (int) FA_ADDOPEN.invokeExact(fa, fd, path, flags, mode));
    }

    static int addDup2(MemorySegment fa, int fd, int newFd) {
        return (int) call(() -> (int) FA_ADDDUP2.invokeExact(fa, fd, newFd));
    }

    static int addChdir(MemorySegment fa, MemorySegment path) {
        return (int) call(() -> (int) FA_ADDCHDIR.invokeExact(fa, path));
    }

    static int addCloseFrom(MemorySegment fa, int from) {
        return (int) call(() -> (int) FA_ADDCLOSEFROM.invokeExact(fa, from));
    }

    static int addTcsetpgrp(MemorySegment fa, int fd) {
        return (int) call(() -> (int) FA_ADDTCSETPGRP.invokeExact(fa, fd));
    }

    static int attrInit(MemorySegment attr) {
        return (int) call(() -> (int) ATTR_INIT.invokeExact(attr));
    }

    static int attrDestroy(MemorySegment attr) {
        return (int) call(() -> (int) ATTR_DESTROY.invokeExact(attr));
    }

    static int attrSetFlags(MemorySegment attr, short flags) {
        return (int) call(() -> (int) ATTR_SETFLAGS.invokeExact(attr, flags));
    }

    static int attrSetPgroup(MemorySegment attr, int pgid) {
        return (int) call(() -> (int) ATTR_SETPGROUP.invokeExact(attr, pgid));
    }

    static int attrSetSigmask(MemorySegment attr, MemorySegment set) {
        return (int) call(() -> (int) ATTR_SETSIGMASK.invokeExact(attr, set));
    }

    static int attrSetSigdefault(MemorySegment attr, MemorySegment set) {
        return (int) call(() -> (int) ATTR_SETSIGDEFAULT.invokeExact(attr, set));
    }

    static int sigemptyset(MemorySegment set) {
        return (int) call(() -> (int) SIGEMPTYSET.invokeExact(set));
    }

    static int sigfillset(MemorySegment set) {
        return (int) call(() -> (int) SIGFILLSET.invokeExact(set));
    }

    static int sigaddset(MemorySegment set, int signo) {
        return (int) call(() -> (int) SIGADDSET.invokeExact(set, signo));
    }

    static boolean sigismember(MemorySegment set, int signo) {
        return call(() -> (int) SIGISMEMBER.invokeExact(set, signo)) == 1;
    }

    /** pthread_sigmask on the calling (platform) thread; returns 0 or an error number. */
    static int pthreadSigmask(int how, MemorySegment set, MemorySegment old) {
        return (int) call(() -> (int) PTHREAD_SIGMASK.invokeExact(how, set, old));
    }

    // --- descriptors --------------------------------------------------------------------------------

    /** pipe2 into {@code fds} (two ints). */
    static void pipe2(MemorySegment fds, int flags) throws Errno {
        checked("pipe2", c -> (int) PIPE2.invokeExact(c, fds, flags));
    }

    /** close(2); EINTR on Linux still closes the descriptor, and nothing else is worth reporting here. */
    static void close(int fd) {
        if (fd >= 0) {
            orMinusErrno(c -> (int) CLOSE.invokeExact(c, fd));
        }
    }

    /** read(2): bytes read, 0 at end of file, -EAGAIN when a non-blocking descriptor is empty. */
    static long read(int fd, MemorySegment buf, long len) throws Errno {
        return quietly("read", EAGAIN, c -> (long) READ.invokeExact(c, fd, buf, len));
    }

    static long write(int fd, MemorySegment buf, long len) throws Errno {
        return retried("write", c -> (long) WRITE.invokeExact(c, fd, buf, len));
    }

    /** pread(2): reads from {@code offset} without moving the file position. */
    static long pread(int fd, MemorySegment buf, long len, long offset) throws Errno {
        return retried("pread", c -> (long) PREAD.invokeExact(c, fd, buf, len, offset));
    }

    /** open(2) without creating; the descriptor is close-on-exec. */
    static int open(String path, int flags) throws Errno {
        return open(path, flags, 0);
    }

    /** open(2) with {@code mode} for a file it creates (O_CREAT); the descriptor is close-on-exec. */
    static int open(String path, int flags, int mode) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            return (int) checked("open " + path, c -> (int) OPEN.invokeExact(c, p, flags | O_CLOEXEC, mode));
        }
    }

    /** fallocate(2) with {@code mode}, e.g. {@link #FALLOC_FL_COLLAPSE_RANGE}. */
    static void fallocate(int fd, int mode, long offset, long len) throws Errno {
        retried("fallocate", c -> (int) FALLOCATE.invokeExact(c, fd, mode, offset, len));
    }

    /** memfd_create(2): an anonymous file in memory, named {@code name} in /proc/PID/fd. */
    static int memfdCreate(String name, int flags) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocateFrom(name);
            return (int) checked("memfd_create", c -> (int) MEMFD_CREATE.invokeExact(c, n, flags));
        }
    }

    /** fcntl(F_ADD_SEALS) on a memfd made with MFD_ALLOW_SEALING. */
    static void addSeals(int fd, int seals) throws Errno {
        checked("fcntl(F_ADD_SEALS)", c -> (int) FCNTL.invokeExact(c, fd, F_ADD_SEALS, seals));
    }

    /** A second descriptor for the same open file, close-on-exec. */
    static int dupCloexec(int fd) throws Errno {
        return dupCloexecAbove(fd, 0);
    }

    /** A second descriptor for the same open file, close-on-exec, numbered {@code min} or above. */
    static int dupCloexecAbove(int fd, int min) throws Errno {
        return (int) checked("fcntl(F_DUPFD_CLOEXEC)", c -> (int) FCNTL.invokeExact(c, fd, F_DUPFD_CLOEXEC, min));
    }

    /** Makes {@code to} a close-on-exec copy of {@code from}, closing what {@code to} was, in one step. */
    static void dup3Cloexec(int from, int to) throws Errno {
        checked("dup3", c -> (int) DUP3.invokeExact(c, from, to, O_CLOEXEC));
    }

    static void setNonBlocking(int fd) throws Errno {
        int flags = (int) checked("fcntl", c -> (int) FCNTL.invokeExact(c, fd, F_GETFL, 0));
        checked("fcntl", c -> (int) FCNTL.invokeExact(c, fd, F_SETFL, flags | O_NONBLOCK));
    }

    /** A pseudo-terminal: returns {master, slave} and writes the slave's path into {@code name} (64+ bytes). */
    static int[] openpty(MemorySegment name) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(JAVA_INT);
            MemorySegment sl = a.allocate(JAVA_INT);
            checked("openpty", c -> (int) OPENPTY.invokeExact(c, m, sl, name, MemorySegment.NULL, MemorySegment.NULL));
            return new int[]{m.get(JAVA_INT, 0), sl.get(JAVA_INT, 0)};
        }
    }

    /** TIOCSWINSZ: the terminal's size, which the kernel tells the foreground group with SIGWINCH. */
    static void setWindowSize(int fd, int columns, int rows) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8, 2); // struct winsize { rows, cols, xpixel, ypixel }
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) columns);
            checked("ioctl(TIOCSWINSZ)", c -> (int) IOCTL_PTR.invokeExact(c, fd, TIOCSWINSZ, ws));
        }
    }

    /** TIOCGWINSZ: {columns, rows} of a terminal. */
    static int[] windowSize(int fd) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8, 2);
            checked("ioctl(TIOCGWINSZ)", c -> (int) IOCTL_PTR.invokeExact(c, fd, TIOCGWINSZ, ws));
            return new int[]{Short.toUnsignedInt(ws.get(JAVA_SHORT, 2)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 0))};
        }
    }

    /** getrlimit(2): {soft, hard} of {@code resource}; RLIM_INFINITY reads as -1 (all bits set). */
    static long[] getrlimit(int resource) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lim = a.allocate(JAVA_LONG, 2); // struct rlimit { rlim_t rlim_cur, rlim_max; }
            checked("getrlimit", c -> (int) GETRLIMIT.invokeExact(c, resource, lim));
            return new long[]{lim.getAtIndex(JAVA_LONG, 0), lim.getAtIndex(JAVA_LONG, 1)};
        }
    }

    /** setrlimit(2) of {@code resource} to {soft, hard}. */
    static void setrlimit(int resource, long soft, long hard) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lim = a.allocate(JAVA_LONG, 2);
            lim.setAtIndex(JAVA_LONG, 0, soft);
            lim.setAtIndex(JAVA_LONG, 1, hard);
            checked("setrlimit", c -> (int) SETRLIMIT.invokeExact(c, resource, lim));
        }
    }

    // --- processes ----------------------------------------------------------------------------------

    static int pidfdOpen(int pid) throws Errno {
        return (int) checked("pidfd_open", c -> (long) SYSCALL_PIDFD_OPEN.invokeExact(c, SYS_PIDFD_OPEN, pid, 0));
    }

    static void pidfdSendSignal(int pidfd, int signal) throws Errno {
        checked("pidfd_send_signal", c -> (long) SYSCALL_PIDFD_SEND_SIGNAL.invokeExact(c, SYS_PIDFD_SEND_SIGNAL,
                pidfd, signal, MemorySegment.NULL, 0));
    }

    /** kill(2) on one process; callers guarantee the pid cannot have been recycled (an unreaped child). */
    static void kill(int pid, int signal) throws Errno {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid);
        }
        checked("kill", c -> (int) KILL.invokeExact(c, pid, signal));
    }

    /** kill(2) on a process group; callers guarantee the group cannot have been recycled. */
    static void killGroup(int pgid, int signal) throws Errno {
        checked("kill", c -> (int) KILL.invokeExact(c, -pgid, signal));
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
        siginfo.fill((byte) 0);
        retried("waitid", c -> (int) WAITID.invokeExact(c, idtype, id, siginfo, options));
        return siginfo.get(JAVA_INT, 0) != 0; // si_signo is SIGCHLD once a child was collected
    }

    /** The kernel id of the calling (platform) thread: what a cgroup v1 {@code tasks} file takes. */
    static int gettid() {
        return (int) call(() -> (int) GETTID.invokeExact());
    }

    static int geteuid() {
        return (int) call(() -> (int) GETEUID.invokeExact());
    }

    static int getppid() {
        return (int) call(() -> (int) GETPPID.invokeExact());
    }

    static int getpgrp() {
        return (int) call(() -> (int) GETPGRP.invokeExact());
    }

    static int getpid() {
        return (int) call(() -> (int) GETPID.invokeExact());
    }

    static long sysconf(int name) {
        return call(() -> (long) SYSCONF.invokeExact(name));
    }

    /** prctl(2) with numeric arguments; returns its result. */
    static int prctl(int option, long arg2) throws Errno {
        return (int) checked("prctl", c -> (int) PRCTL.invokeExact(c, option, arg2, 0L, 0L, 0L));
    }

    // --- epoll, eventfd, poll -------------------------------------------------------------------------

    static int epollCreate() throws Errno {
        return (int) checked("epoll_create1", c -> (int) EPOLL_CREATE1.invokeExact(c, EPOLL_CLOEXEC));
    }

    static void epollCtl(int epfd, int op, int fd, int events, long data, MemorySegment scratch) throws Errno {
        scratch.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        scratch.set(ValueLayout.JAVA_LONG_UNALIGNED, EPOLL_EVENT_DATA, data);
        checked("epoll_ctl", c -> (int) EPOLL_CTL.invokeExact(c, epfd, op, fd, scratch));
    }

    /** epoll_wait; returns the number of ready events, 0 when interrupted. */
    static int epollWait(int epfd, MemorySegment events, int max, int timeoutMs) throws Errno {
        return (int) Math.max(0, quietly("epoll_wait", EINTR, c -> (int) EPOLL_WAIT.invokeExact(c, epfd, events, max, timeoutMs)));
    }

    static int eventfd() throws Errno {
        return (int) checked("eventfd", c -> (int) EVENTFD.invokeExact(c, 0, EFD_CLOEXEC | EFD_NONBLOCK));
    }

    // --- inotify ----------------------------------------------------------------------------------------

    /** inotify_init1(2): a close-on-exec, non-blocking inotify instance. */
    static int inotifyInit() throws Errno {
        return (int) checked("inotify_init1", c -> (int) INOTIFY_INIT1.invokeExact(c, O_CLOEXEC | O_NONBLOCK));
    }

    /** inotify_add_watch(2): the watch descriptor, the same one for a path watched already. */
    static int inotifyAddWatch(int fd, String path, int mask) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocateFrom(path);
            return (int) checked("inotify_add_watch " + path, c -> (int) INOTIFY_ADD_WATCH.invokeExact(c, fd, p, mask));
        }
    }

    /** inotify_rm_watch(2); EINVAL when the kernel dropped the watch already (its directory was removed). */
    static void inotifyRmWatch(int fd, int wd) throws Errno {
        checked("inotify_rm_watch", c -> (int) INOTIFY_RM_WATCH.invokeExact(c, fd, wd));
    }

    /** poll(2) on {@code n} struct pollfd (8 bytes each); the number ready, 0 on timeout or interruption. */
    static int poll(MemorySegment fds, int n, int timeoutMs) throws Errno {
        return (int) Math.max(0, quietly("poll", EINTR, c -> (int) POLL.invokeExact(c, fds, (long) n, timeoutMs)));
    }

    // --- signals and terminals -------------------------------------------------------------------------

    static int signalfd(MemorySegment mask, int flags) throws Errno {
        return (int) checked("signalfd", c -> (int) SIGNALFD.invokeExact(c, -1, mask, flags));
    }

    /** signal(2) back to the default action (SIG_DFL is the null handler); SIG_ERR is -1. */
    static void defaultAction(int signo) throws Errno {
        checked("signal", c -> ((MemorySegment) SIGNAL.invokeExact(c, signo, MemorySegment.NULL)).address() == -1L ? -1 : 0);
    }

    /** raise(3): the signal to the calling thread. */
    static void raise(int signo) throws Errno {
        checked("raise", c -> (int) RAISE.invokeExact(c, signo) != 0 ? -1 : 0);
    }

    static int tcgetpgrp(int fd) throws Errno {
        return (int) checked("tcgetpgrp", c -> (int) TCGETPGRP.invokeExact(c, fd));
    }

    static void tcsetpgrp(int fd, int pgrp) throws Errno {
        checked("tcsetpgrp", c -> (int) TCSETPGRP.invokeExact(c, fd, pgrp));
    }

    static void tcgetattr(int fd, MemorySegment termios) throws Errno {
        checked("tcgetattr", c -> (int) TCGETATTR.invokeExact(c, fd, termios));
    }

    static void tcsetattr(int fd, int when, MemorySegment termios) throws Errno {
        retried("tcsetattr", c -> (int) TCSETATTR.invokeExact(c, fd, when, termios));
    }

    static void cfmakeraw(MemorySegment termios) {
        call(() -> {
            CFMAKERAW.invokeExact(termios);
            return 0;
        });
    }

    static boolean isatty(int fd) {
        return call(() -> (int) ISATTY.invokeExact(fd)) == 1;
    }

    // --- Unix sockets ---------------------------------------------------------------------------------
    // The JDK has Unix stream channels only: systemd's $NOTIFY_SOCKET is SOCK_DGRAM (possibly abstract),
    // conmon's attach socket SOCK_SEQPACKET.

    static int socket(int domain, int type) throws Errno {
        return (int) checked("socket", c -> (int) SOCKET.invokeExact(c, domain, type, 0));
    }

    /**
     * A {@code struct sockaddr_un} for {@code path} in {@code a}; returns its length. A path starting with '@'
     * names an abstract socket (a leading NUL, no terminating one), as systemd writes it in $NOTIFY_SOCKET.
     */
    static int sockaddrUn(Arena a, MemorySegment addr, String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
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
        checked("bind", c -> (int) BIND.invokeExact(c, fd, addr, addrLen));
    }

    static void connect(int fd, MemorySegment addr, int addrLen) throws Errno {
        retried("connect", c -> (int) CONNECT.invokeExact(c, fd, addr, addrLen));
    }

    static void shutdown(int fd, int how) throws Errno {
        checked("shutdown", c -> (int) SHUTDOWN.invokeExact(c, fd, how));
    }

    /** sendto(2) of one datagram or packet, retried on EINTR; never SIGPIPE; {@code addr} NULL when connected. */
    static long sendto(int fd, MemorySegment buf, long len, MemorySegment addr, int addrLen) throws Errno {
        return retried("sendto", c -> (long) SENDTO.invokeExact(c, fd, buf, len, MSG_NOSIGNAL, addr, addrLen));
    }

    /** recv(2) without blocking: the datagram's length, or -EAGAIN when none is queued. */
    static long recvNow(int fd, MemorySegment buf, long len) throws Errno {
        return quietly("recv", EAGAIN, c -> (long) RECV.invokeExact(c, fd, buf, len, MSG_DONTWAIT));
    }
}
