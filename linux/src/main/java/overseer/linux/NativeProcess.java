package overseer.linux;

import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Signal;
import overseer.core.spi.RuntimeProcess;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A host process spawned with posix_spawn into its own process group, watched through a pidfd on the
 * {@link EventLoop} and reaped with waitid(P_PIDFD). Signals go through the pidfd; a signal to the whole
 * group uses kill(-pgid) only while the leader is not reaped, because until then its pid, and so the
 * group id, cannot be given to another process.
 *
 * <p>No instruction of the program of a task with cgroups runs outside them. Where the task has a v2
 * cgroup, which takes only whole processes, through a gate: {@code /bin/sh} is spawned instead of the
 * program, blocked reading a pipe until Overseer has written its pid to each of the task's cgroup.procs,
 * and only then execs the program (the same pid). With v1 cgroups only, the {@link Spawner}'s placing
 * threads spawn it from inside them. A process run as another user goes through setpriv(1). Behind the
 * gate or setpriv, args[0] becomes the resolved path of the program.
 */
class NativeProcess implements RuntimeProcess {
    private static final int UNSET = -1;
    private static final String SH = "/bin/sh";
    /** How long an adopted process's exit file is waited for after it ended: the monitor writes it at once. */
    static final java.time.Duration RECORDED_EXIT_PATIENCE = java.time.Duration.ofSeconds(5);
    private static final TaskCgroup.Placement NOWHERE = new TaskCgroup.Placement(List.of(), List.of());
    /**
     * Waits for one line on fd 3, closes it, execs the rest of the command line; no line means no exec. The
     * shell exports PWD (its cwd) to what it execs: unset again, the program gets exactly the spec's environment.
     */
    static final String GATE_SCRIPT = "read -r gate <&3 || exit 125; unset PWD; exec 3<&- \"$@\"";
    /** {@link #GATE_SCRIPT} for a spec that sets PWD itself: its value, the first argument, is put back. */
    static final String GATE_SCRIPT_PWD = "read -r gate <&3 || exit 125; PWD=$1; shift; export PWD; exec 3<&- \"$@\"";

    protected final Host host;
    protected final EventLoop loop;
    protected final ProcessSpec spec;
    private final Path executable;
    private final Optional<Credentials> user;
    private final ProcessOutput output;
    private int pidfd = UNSET;
    private long pidfdToken;
    protected volatile int pid;
    private boolean reaped;
    private boolean reporting; // the exit was peeked and is being reported; the zombie is reaped after
    private long adoptedStartTime;
    // Found again after a restart: not our child (as a rule), so its group id is not pinned by an unreaped
    // leader and its status comes from the monitor's exits directory. Signals go to it alone, through its pidfd.
    private volatile boolean adopted;
    private volatile long[] exitFile; // (pid, start time) of the monitor's exit file read for this process
    private FdOutputStream stdin;
    private int terminalFd = UNSET; // a descriptor of the terminal's master, for its size
    // The controlling terminal this process was born the foreground group of; given back when it ends.
    private Optional<ControllingTerminal> foreground = Optional.empty();
    // Written by start() before the descriptors are registered, then only touched on the loop thread.
    private final int[] readFds = {UNSET, UNSET};
    private final long[] readTokens = new long[2];
    private Consumer<Exit> onExit;
    /** The cgroup's OOM kill count when the process started: a SIGKILL after it rose is the OOM killer's. */
    private long oomKillsAtStart;

    NativeProcess(Host host, ProcessSpec spec, Path executable, Optional<Credentials> user, ProcessOutput output) {
        this.host = host;
        this.loop = host.loop();
        this.spec = spec;
        this.executable = executable;
        this.user = user;
        this.output = output;
    }

    /** The cgroups the process is born in; none for a task without limits. */
    protected Optional<TaskCgroup> cgroup() {
        return Optional.empty();
    }

    /**
     * Watches a process a previous Overseer started: {@code startTime} must still match, read after the
     * pidfd is open, so that the pidfd is known to name that very process and not one that got its pid.
     * Returns false when it is gone.
     */
    synchronized boolean adopt(int pid, long startTime, Consumer<Exit> exitListener) {
        int fd;
        try {
            fd = LibC.pidfdOpen(pid);
        } catch (LibC.Errno e) {
            return false; // no such process
        }
        if (ProcFs.startTime(pid).orElse(-1) != startTime) {
            LibC.close(fd);
            return false;
        }
        this.onExit = exitListener;
        this.pid = pid;
        this.adopted = true;
        this.adoptedStartTime = startTime;
        this.pidfd = fd;
        try {
            pidfdToken = loop.newToken();
            loop.register(pidfd, pidfdToken, ev -> collectExit());
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot watch process " + pid + ": " + e.getMessage(), e);
        }
        return true;
    }

    /** Called on the loop thread after the exit is collected and before it is reported. */
    protected void beforeExitReported() {
    }

    @Override
    public synchronized long start(Consumer<Exit> exitListener) {
        this.onExit = exitListener;
        Optional<TaskCgroup> cgroup = cgroup();
        TaskCgroup.Placement placement = cgroup.map(TaskCgroup::placement).orElse(NOWHERE);
        boolean gated = !placement.gateProcs().isEmpty();
        List<String> argv = argv(gated);
        String program = gated ? SH : user.isPresent() ? setpriv().toString() : executable.toString();
        int[] stdinPipe = {UNSET, UNSET};
        int[] outPipe = {UNSET, UNSET};
        int[] errPipe = {UNSET, UNSET};
        int[] gatePipe = {UNSET, UNSET};
        int[] pty = {UNSET, UNSET};
        try {
            try {
                String ptyName = null;
                if (spec.terminal()) {
                    ptyName = openpty(pty);
                } else if (spec.stdin() == Redirect.PIPE) {
                    pipe(stdinPipe);
                }
                if (spec.stdout() == Redirect.PIPE && !spec.terminal()) {
                    pipe(outPipe);
                }
                if (spec.stderr() == Redirect.PIPE) {
                    pipe(errPipe);
                }
                if (gated) {
                    pipe(gatePipe);
                }
                oomKillsAtStart = cgroup.map(TaskCgroup::oomKills).orElse(0L);
                int in = stdinPipe[0];
                int out = outPipe[1];
                int err = errPipe[1];
                int gateIn = gatePipe[0];
                String terminal = ptyName;
                // Like a shell's job: the child takes the terminal only if Overseer has it (not when run with &).
                foreground = host.terminal().filter(t -> !spec.terminal() && spec.stdin() == Redirect.INHERIT
                        && t.inForeground());
                int tty = foreground.map(ControllingTerminal::fd).orElse(UNSET);
                pid = host.spawner().spawn(placement.threadTasks(),
                        () -> spawn(program, argv, in, out, err, gateIn, terminal, tty));
            } finally {
                closeIfSet(pty[1]); // the child opened the terminal by its name
                closeIfSet(stdinPipe[0]);
                closeIfSet(outPipe[1]);
                closeIfSet(errPipe[1]);
                closeIfSet(gatePipe[0]);
            }
            if (gated) {
                try {
                    openGate(placement.gateProcs(), gatePipe[1]);
                } finally {
                    LibC.close(gatePipe[1]);
                    gatePipe[1] = UNSET;
                }
            }
        } catch (RuntimeException e) {
            closeIfSet(pty[0]);
            closeIfSet(stdinPipe[1]);
            closeIfSet(outPipe[0]);
            closeIfSet(errPipe[0]);
            closeIfSet(gatePipe[1]);
            throw e;
        }
        // From here on the child runs: it is ours until we reap it, so its pid cannot be reused.
        try {
            if (stdinPipe[1] != UNSET) {
                stdin = new FdOutputStream(stdinPipe[1]);
            }
            if (pty[0] != UNSET) {
                // One open file, three descriptors: the loop reads output, stdin writes input, resize sets the size.
                stdin = new FdOutputStream(LibC.dupCloexec(pty[0]));
                terminalFd = LibC.dupCloexec(pty[0]);
                outPipe[0] = pty[0];
            }
            watchOutput(LogStream.STDOUT, outPipe[0]);
            watchOutput(LogStream.STDERR, errPipe[0]);
            pidfd = LibC.pidfdOpen(pid);
            pidfdToken = loop.newToken();
            loop.register(pidfd, pidfdToken, ev -> collectExit());
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot watch process " + pid + ": " + e.getMessage(), e);
        }
        return pid;
    }

    private Path setpriv() {
        return host.setpriv().orElseThrow(() -> OverseerException.failedPrecondition(
                "user: running a process as another user needs setpriv(1) from util-linux, which is not installed"));
    }

    /** The command line posix_spawn runs: the spec's, behind setpriv and the gate when they are needed. */
    private List<String> argv(boolean gated) {
        if (!gated && user.isEmpty()) {
            return spec.args();
        }
        List<String> a = new ArrayList<>();
        if (gated) {
            String pwd = spec.env().get("PWD");
            a.addAll(List.of(SH, "-c", pwd == null ? GATE_SCRIPT : GATE_SCRIPT_PWD, "overseer-gate"));
            if (pwd != null) {
                a.add(pwd);
            }
        }
        user.ifPresent(u -> {
            a.add(setpriv().toString());
            a.addAll(u.setprivArgs());
            a.add("--");
        });
        a.add(executable.toString());
        a.addAll(spec.args().subList(1, spec.args().size()));
        return a;
    }

    /**
     * The gated child waits: move it into each of the task's cgroups, then let it exec. If it cannot be
     * moved it must not run at all: it is killed and reaped before the error is thrown.
     */
    private void openGate(List<Path> procsFiles, int gateFd) {
        Path at = null;
        try {
            for (Path procs : procsFiles) {
                at = procs;
                CgroupFs.write(procs, Integer.toString(pid));
            }
            at = null;
            try (Arena a = Arena.ofConfined()) {
                LibC.write(gateFd, a.allocateFrom("go\n"), 3);
            }
        } catch (IOException | LibC.Errno e) {
            int child = pid;
            killAndReap(child);
            pid = 0;
            throw OverseerException.unavailable("cannot place process %d in %s: %s", child,
                    at == null ? "its cgroups" : at.getParent(), e instanceof IOException io ? CgroupFs.reason(io) : e.getMessage());
        }
    }

    private static void killAndReap(int pid) {
        try (Arena a = Arena.ofConfined()) {
            int fd = LibC.pidfdOpen(pid);
            try {
                LibC.pidfdSendSignal(fd, Signal.SIGKILL.number());
                LibC.waitidPidfd(fd, a.allocate(LibC.SIGINFO_SIZE, 8), LibC.WEXITED);
            } finally {
                LibC.close(fd);
            }
        } catch (LibC.Errno e) {
            System.getLogger(NativeProcess.class.getName()).log(System.Logger.Level.ERROR,
                    "cannot kill the gated child " + pid + ": " + e.getMessage());
        }
    }

    /**
     * posix_spawn on the calling thread, which may be a spawner thread: everything native is allocated
     * here, in this thread's own arena. Returns the pid.
     */
    private int spawn(String program, List<String> argv, int stdinRead, int outWrite, int errWrite, int gateRead,
                      String terminal, int foregroundOf) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(LibC.SPAWN_FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = a.allocate(LibC.SPAWNATTR_SIZE, 16);
            LibC.fileActionsInit(fa);
            LibC.attrInit(attr);
            try {
                if (terminal != null) {
                    // A session leader that opens a terminal without O_NOCTTY gets it as its controlling terminal.
                    check("posix_spawn_file_actions_addopen", LibC.addOpen(fa, 0, a.allocateFrom(terminal), LibC.O_RDWR, 0));
                    check("posix_spawn_file_actions_adddup2", LibC.addDup2(fa, 0, 1));
                    check("posix_spawn_file_actions_adddup2", LibC.addDup2(fa, 0, 2));
                } else {
                    redirect(a, fa, 0, spec.stdin(), stdinRead);
                    redirect(a, fa, 1, spec.stdout(), outWrite);
                    redirect(a, fa, 2, spec.stderr(), errWrite);
                }
                spec.cwd().ifPresent(d -> check("posix_spawn_file_actions_addchdir_np",
                        LibC.addChdir(fa, a.allocateFrom(d.toString()))));
                int keep = 3;
                if (gateRead != UNSET) {
                    check("posix_spawn_file_actions_adddup2", LibC.addDup2(fa, gateRead, 3));
                    keep = 4;
                }
                if (foregroundOf != UNSET) {
                    // In the child, once its group is made and with every signal blocked (so no SIGTTOU stops it),
                    // before it runs a single instruction of the program: no read of the terminal can come first.
                    check("posix_spawn_file_actions_addtcsetpgrp_np", LibC.addTcsetpgrp(fa, foregroundOf));
                }
                // Nothing of the JVM's leaks into the child, whatever its close-on-exec flag says.
                check("posix_spawn_file_actions_addclosefrom_np", LibC.addCloseFrom(fa, keep));

                MemorySegment empty = a.allocate(LibC.SIGSET_SIZE, 8);
                MemorySegment all = a.allocate(LibC.SIGSET_SIZE, 8);
                LibC.sigemptyset(empty);
                LibC.sigfillset(all);
                // A new process group, or with a terminal a new session (whose group has the same id).
                short group = terminal != null ? LibC.POSIX_SPAWN_SETSID : LibC.POSIX_SPAWN_SETPGROUP;
                check("posix_spawnattr_setflags", LibC.attrSetFlags(attr, (short) (group
                        | LibC.POSIX_SPAWN_SETSIGDEF | LibC.POSIX_SPAWN_SETSIGMASK)));
                check("posix_spawnattr_setpgroup", LibC.attrSetPgroup(attr, 0));
                check("posix_spawnattr_setsigmask", LibC.attrSetSigmask(attr, empty));
                check("posix_spawnattr_setsigdefault", LibC.attrSetSigdefault(attr, all));

                MemorySegment pidOut = a.allocate(ValueLayout.JAVA_INT);
                int rc = LibC.posixSpawn(pidOut, a.allocateFrom(program), fa, attr,
                        strings(a, argv), strings(a, env(spec.env())));
                if (rc != 0) {
                    throw spawnError(program, rc);
                }
                return pidOut.get(ValueLayout.JAVA_INT, 0);
            } finally {
                LibC.attrDestroy(attr);
                LibC.fileActionsDestroy(fa);
            }
        }
    }

    /** Opens a pseudo-terminal into {@code fds} (master, slave) and returns the slave's path. */
    private static String openpty(int[] fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(4096);
            int[] pair = LibC.openpty(name);
            fds[0] = pair[0];
            fds[1] = pair[1];
            return name.getString(0);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot open a terminal: %s", e.getMessage());
        }
    }

    private static void pipe(int[] fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment two = a.allocate(ValueLayout.JAVA_INT, 2);
            LibC.pipe2(two, LibC.O_CLOEXEC);
            fds[0] = two.get(ValueLayout.JAVA_INT, 0);
            fds[1] = two.get(ValueLayout.JAVA_INT, 4);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot create a pipe: %s", e.getMessage());
        }
    }

    private static void redirect(Arena a, MemorySegment fa, int fd, Redirect r, int pipeEnd) {
        String call = "posix_spawn_file_actions for fd " + fd;
        switch (r) {
            case Redirect.Null n -> check(call, LibC.addOpen(fa, fd, a.allocateFrom("/dev/null"),
                    fd == 0 ? LibC.O_RDONLY : LibC.O_WRONLY, 0));
            case Redirect.Pipe p -> check(call, LibC.addDup2(fa, pipeEnd, fd));
            case Redirect.Inherit i -> {
            }
            case Redirect.ToStdout s -> check(call, LibC.addDup2(fa, 1, fd));
            case Redirect.File f -> check(call, LibC.addOpen(fa, fd, a.allocateFrom(f.path().toString()),
                    fd == 0 ? LibC.O_RDONLY : LibC.O_WRONLY | LibC.O_CREAT | (f.append() ? LibC.O_APPEND : LibC.O_TRUNC),
                    0600)); // a task's output is its owner's: created private by open(2) itself, no window
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw OverseerException.internal(call + ": " + Errnos.name(rc) + " (" + LibC.strerror(rc) + ")", null);
        }
    }

    private OverseerException spawnError(String program, int errno) {
        String what = Errnos.name(errno) + " (" + LibC.strerror(errno) + ")";
        return switch (errno) {
            case 2, 13, 8, 20, 21, 40, 36 -> OverseerException.notExecutable(
                    "cannot execute \"%s\": %s", program, what);
            default -> OverseerException.unavailable("posix_spawn of \"%s\" failed: %s", program, what);
        };
    }

    /** A NULL-terminated array of C strings, as argv and envp are given to posix_spawn. */
    static MemorySegment strings(Arena a, List<String> values) {
        MemorySegment array = a.allocate(ValueLayout.ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    /** NAME=VALUE, as a process's environment is given to posix_spawn. */
    static List<String> env(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static void closeIfSet(int fd) {
        if (fd != UNSET) {
            LibC.close(fd);
        }
    }

    // --- output ---------------------------------------------------------------------------------------

    private void watchOutput(LogStream stream, int fd) throws LibC.Errno {
        if (fd == UNSET) {
            return;
        }
        LibC.setNonBlocking(fd);
        int i = stream.ordinal();
        readFds[i] = fd;
        readTokens[i] = loop.newToken();
        loop.register(fd, readTokens[i], ev -> drain(stream));
    }

    /** On the loop thread: read what the pipe holds, up to a bound so one chatty process cannot starve others. */
    private void drain(LogStream stream) {
        int i = stream.ordinal();
        int fd = readFds[i];
        if (fd == UNSET) {
            return;
        }
        MemorySegment buf = loop.readBuffer();
        byte[] bytes = loop.readArray(); // ProcessOutput's consumers copy what they keep
        for (int round = 0; round < 16; round++) {
            long n;
            try {
                n = LibC.read(fd, buf, buf.byteSize());
            } catch (LibC.Errno e) {
                n = 0; // a broken pipe ends the stream like end of file does
            }
            if (n == -LibC.EAGAIN) {
                return;
            }
            if (n == 0) {
                closeOutput(stream);
                return;
            }
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) n);
            output.feed(stream, bytes, 0, (int) n);
        }
    }

    /** On the loop thread. */
    private void closeOutput(LogStream stream) {
        int i = stream.ordinal();
        int fd = readFds[i];
        if (fd == UNSET) {
            return;
        }
        loop.unregister(fd, readTokens[i]);
        LibC.close(fd);
        readFds[i] = UNSET;
        output.closed(stream);
    }

    // --- exit -----------------------------------------------------------------------------------------

    /**
     * On the loop thread, when the pidfd is readable: the process has exited. Record before reap: the status
     * is peeked (WNOWAIT), reported to the listener, which records it, and only then is the zombie reaped. A
     * daemon that dies in between leaves the zombie to the monitor, which records it in the exits directory:
     * no exit is lost. A process that is not our child (adopted after a restart) has its exit read from there.
     */
    private void collectExit() {
        Exit exit;
        synchronized (this) {
            if (reaped || reporting) {
                return;
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
                if (!LibC.waitidPidfd(pidfd, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT)) {
                    return; // woken early; the pidfd stays registered
                }
                exit = toExit(info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_CODE),
                        info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_STATUS));
            } catch (LibC.Errno e) {
                // ECHILD: not our child (adopted after a restart) or reaped by someone else.
                forgetPidfd();
                if (adopted) {
                    takeRecordedExit();
                    return;
                }
                System.getLogger(NativeProcess.class.getName()).log(System.Logger.Level.ERROR,
                        "cannot collect the exit status of pid " + pid + ": " + e.getMessage());
                exit = Exit.unknown(Instant.now());
            }
            reporting = true;
        }
        giveBackTerminal();
        try {
            beforeExitReported();
            onExit.accept(exit);
        } finally {
            reap();
        }
    }

    /** The process ended: if its group still has the terminal, Overseer's group takes it back, as a shell does. */
    private void giveBackTerminal() {
        foreground.filter(t -> t.foregroundGroup().filter(g -> g == pid).isPresent())
                .ifPresent(ControllingTerminal::takeBack);
    }

    /** On the loop thread, after the exit was reported: the zombie goes, and with it the pid. */
    private void reap() {
        synchronized (this) {
            if (pidfd == UNSET) {
                return; // the peek failed: nothing to reap
            }
            try (Arena a = Arena.ofConfined()) {
                LibC.waitidPidfd(pidfd, a.allocate(LibC.SIGINFO_SIZE, 8), LibC.WEXITED | LibC.WNOHANG);
            } catch (LibC.Errno e) {
                System.getLogger(NativeProcess.class.getName()).log(System.Logger.Level.ERROR,
                        "cannot reap pid " + pid + ": " + e.getMessage());
            }
            forgetPidfd();
        }
    }

    /** Under the lock: the process is gone for us; its pidfd is no longer watched. */
    private void forgetPidfd() {
        reaped = true;
        if (pidfd != UNSET) {
            loop.unregister(pidfd, pidfdToken);
            LibC.close(pidfd);
            pidfd = UNSET;
        }
    }

    /**
     * An adopted process ended: its status is in the exits directory, or about to be (the monitor writes it
     * just after the exit). Waited for off the loop thread; unknown when no file ever appears.
     */
    private void takeRecordedExit() {
        long startTime = adoptedStartTime;
        int p = pid;
        Thread.ofVirtual().name("overseer-exit-" + p).start(() -> {
            keepExitFile(p, startTime);
            Exit exit = recordedExit(host, p, startTime).map(this::withOomKill).orElseGet(() -> Exit.unknown(Instant.now()));
            beforeExitReported();
            onExit.accept(exit);
            forgetExitFile(); // reported, so recorded: as a child is reaped only after its exit is
        });
    }

    /**
     * The exit the monitor recorded for the process, read from the exits directory; empty if none comes. Its
     * file stays until the process is released ({@link #keepExitFile}), so that no crash in between loses it.
     */
    static Optional<Exit> recordedExit(Host host, long pid, long startTime) {
        return host.exitDir().flatMap(d -> ExitFiles.await(d, pid, startTime, RECORDED_EXIT_PATIENCE));
    }

    /**
     * The exit file of (pid, start time) is removed once the exit was reported ({@link #forgetExitFile}), or
     * at the latest when this process is released.
     */
    void keepExitFile(long pid, long startTime) {
        exitFile = new long[] {pid, startTime};
    }

    /** The exit read from the exits directory was reported (and so recorded): its file goes. */
    void forgetExitFile() {
        long[] f = exitFile;
        if (f != null) {
            host.exitDir().ifPresent(d -> ExitFiles.forget(d, f[0], f[1]));
            exitFile = null;
        }
    }

    /** A SIGKILL recorded by the monitor, while the task's cgroup counted an OOM kill, was the OOM killer's. */
    Exit withOomKill(Exit e) {
        return e.signal().filter(s -> oomKilled(s.number())).map(s -> Exit.killed(s, true, e.exitedAt())).orElse(e);
    }

    private Exit toExit(int code, int status) {
        Instant now = Instant.now();
        return switch (code) {
            case LibC.CLD_KILLED, LibC.CLD_DUMPED -> Exit.killed(Signal.of(status), oomKilled(status), now);
            default -> Exit.exited(status, now);
        };
    }

    /**
     * The OOM killer sends SIGKILL, and counts the kill in the cgroup before it sends it: a process killed
     * by SIGKILL while its cgroup's count rose was (as far as anyone can tell) killed by the OOM killer.
     */
    private boolean oomKilled(int signal) {
        return signal == Signal.SIGKILL.number()
                && cgroup().map(c -> c.oomKills() > oomKillsAtStart).orElse(false);
    }

    // --- control --------------------------------------------------------------------------------------

    @Override
    public synchronized void signal(Signal signal, boolean all) {
        requireSignalable();
        try {
            if (all && !adopted) {
                LibC.killGroup(pid, signal.number());
            } else {
                LibC.pidfdSendSignal(pidfd, signal.number());
            }
        } catch (LibC.Errno e) {
            if (e.errno == LibC.ESRCH) {
                return; // exited, not reaped yet: the exit is on its way
            }
            throw OverseerException.internal("cannot send " + signal + " to " + pid + ": " + e.getMessage(), e);
        }
    }

    /** "process already finished" once reaped, "process not started" before the start. */
    protected synchronized void requireSignalable() {
        if (reaped) {
            throw OverseerException.processFinished();
        }
        if (pidfd == UNSET) {
            throw OverseerException.failedPrecondition("process not started");
        }
    }

    /** Whether the process was found again after a restart rather than spawned by this runtime. */
    boolean adopted() {
        return adopted;
    }

    /** Whether the process was ever started (it may have exited since). */
    synchronized boolean started() {
        return pidfd != UNSET || reaped;
    }

    /** Whether the process has been started and not reaped: its pid still names it. */
    synchronized boolean live() {
        return pidfd != UNSET && !reaped;
    }

    @Override
    public synchronized OutputStream stdin() {
        if (stdin == null) {
            throw OverseerException.failedPrecondition("stdin is not a pipe");
        }
        return stdin;
    }

    @Override
    public synchronized void resizePty(int columns, int rows) {
        if (terminalFd == UNSET) {
            throw OverseerException.failedPrecondition("the process has no terminal");
        }
        try {
            LibC.setWindowSize(terminalFd, columns, rows);
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot resize the terminal of " + pid + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void closeStdin() {
        if (stdin != null) {
            stdin.close();
        }
    }

    @Override
    public void release() {
        forgetExitFile();
        closeStdin();
        synchronized (this) {
            closeIfSet(terminalFd);
            terminalFd = UNSET;
            if (reporting) {
                // Released once its exit is known, maybe before the loop thread got back from reporting it:
                // reap now, so that nothing of the process outlives its release.
                reap();
            }
        }
        if (spec.stdout() != Redirect.PIPE && spec.stderr() != Redirect.PIPE) {
            return; // no pipes: no reason to wake the event loop
        }
        // Output pipes may be held open by children that outlived the process; stop reading them.
        loop.execute(() -> {
            closeOutput(LogStream.STDOUT);
            closeOutput(LogStream.STDERR);
        });
    }
}
