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
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A host process: spawned with posix_spawn into its own process group ({@link ProcessPlans} says how,
 * {@link PosixSpawn} does it, through the {@link Spawner}'s thread when the child must be born inside v1
 * cgroups), its descriptors made by {@link ChildStdio}, its output moved by an {@link OutputPump}, and its
 * pidfd, from the spawn to the reap, kept by a {@link PidfdLifecycle}.
 *
 * <p>No instruction of the program of a task with cgroups runs outside them: with a v2 cgroup, which takes
 * only whole processes, the child is gated (see {@link ProcessPlans}) until its pid is written to each of
 * the task's cgroup.procs; with v1 cgroups only, the {@link Spawner}'s placing threads spawn it from inside
 * them.
 *
 * <p>The object's monitor guards the start and the descriptors of stdin and the terminal. The exit never
 * takes it: it may be held across cgroup work (a subclass's start, signal or update).
 */
class NativeProcess implements RuntimeProcess {
    private static final int UNSET = -1;
    /** struct pollfd (int fd, short events, short revents), one per waiting thread. */
    private static final ThreadLocal<MemorySegment> POLLFD = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8, 4));
    /** How long an adopted process's exit file is waited for after it ended: the monitor writes it at once. */
    static final java.time.Duration RECORDED_EXIT_PATIENCE = java.time.Duration.ofSeconds(5);
    private static final TaskCgroup.Placement NOWHERE = new TaskCgroup.Placement(List.of(), List.of());

    protected final Host host;
    protected final EventLoop loop;
    protected final ProcessSpec spec;
    private final Path executable;
    private final Optional<Credentials> user;
    private final PidfdLifecycle lifecycle;
    private final OutputPump pump;
    protected volatile int pid;
    private long adoptedStartTime;
    // Found again after a restart: not our child (as a rule), so its group id is not pinned by an unreaped
    // leader and its status comes from the monitor's exits directory. Signals go to it alone, through its pidfd.
    private volatile boolean adopted;
    private volatile long[] exitFile; // (pid, start time) of the monitor's exit file read for this process
    private FdOutputStream stdin;
    private int terminalFd = UNSET; // a descriptor of the terminal's master, for its size
    // The controlling terminal this process was born the foreground group of; given back when it ends.
    private volatile Optional<ControllingTerminal> foreground = Optional.empty();
    private volatile Consumer<Exit> onExit;
    /** The cgroup's OOM kill count when the process started: a SIGKILL after it rose is the OOM killer's. */
    private volatile long oomKillsAtStart;

    NativeProcess(Host host, ProcessSpec spec, Path executable, Optional<Credentials> user, ProcessOutput output) {
        this.host = host;
        this.loop = host.loop();
        this.spec = spec;
        this.executable = executable;
        this.user = user;
        this.lifecycle = new PidfdLifecycle(loop);
        this.pump = new OutputPump(loop, output);
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
            fd = PidfdLifecycle.open(pid);
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
        try {
            lifecycle.watch(pid, fd, this::collectExit);
        } catch (LibC.Errno e) {
            LibC.close(fd);
            throw OverseerException.internal("cannot watch process " + pid + ": " + e.getMessage(), e);
        }
        return true;
    }

    /**
     * Called after the exit is collected and before it is reported: on the loop thread for a process without
     * a cgroup (so it must not block), on the exit's own thread for one with a cgroup.
     */
    protected void beforeExitReported() {
    }

    @Override
    public synchronized long start(Consumer<Exit> exitListener) {
        this.onExit = exitListener;
        Optional<TaskCgroup> cgroup = cgroup();
        TaskCgroup.Placement placement = cgroup.map(TaskCgroup::placement).orElse(NOWHERE);
        boolean gated = !placement.gateProcs().isEmpty();
        oomKillsAtStart = cgroup.map(TaskCgroup::oomKills).orElse(0L);
        // Like a shell's job: the child takes the terminal only if Overseer has it (not when run with &).
        foreground = host.terminal().filter(t -> !spec.terminal() && spec.stdin() == Redirect.INHERIT
                && t.inForeground());
        int tty = foreground.map(ControllingTerminal::fd).orElse(ProcessPlans.ChildEnds.NONE);
        try (ChildStdio stdio = new ChildStdio(spec, gated)) {
            SpawnPlan plan = ProcessPlans.plan(spec, executable, user, host.setpriv(), stdio.childEnds(tty));
            try {
                pid = host.spawner().spawn(placement.threadTasks(), () -> PosixSpawn.spawn(plan));
            } finally {
                stdio.closeChildEnds();
            }
            if (gated) {
                int gate = stdio.takeGate();
                try {
                    openGate(placement.gateProcs(), gate);
                } finally {
                    LibC.close(gate);
                }
            }
            // From here on the child runs: it is ours until we reap it, so its pid cannot be reused.
            watch(stdio);
        }
        return pid;
    }

    /** The spawned child's descriptors go to their users: stdin, the terminal, the output pump, the pidfd. */
    private void watch(ChildStdio stdio) {
        try {
            int in = stdio.takeStdin();
            if (in != ProcessPlans.ChildEnds.NONE) {
                stdin = new FdOutputStream(in);
            }
            int out = stdio.takeStdout();
            int master = stdio.takeTerminal();
            if (master != ProcessPlans.ChildEnds.NONE) {
                // One open file, three descriptors: the loop reads output, stdin writes input, resize sets the size.
                out = master;
                stdin = new FdOutputStream(LibC.dupCloexec(master));
                terminalFd = LibC.dupCloexec(master);
            }
            pump.watch(LogStream.STDOUT, out);
            pump.watch(LogStream.STDERR, stdio.takeStderr());
            lifecycle.watch(pid, PidfdLifecycle.open(pid), this::collectExit);
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot watch process " + pid + ": " + e.getMessage(), e);
        }
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

    // --- exit -----------------------------------------------------------------------------------------

    /**
     * On the loop thread, when the pidfd is readable: the process has exited. Record before reap: the status
     * is peeked (WNOWAIT), reported to the listener, which records it, and only then is the zombie reaped. A
     * daemon that dies in between leaves the zombie to the monitor, which records it in the exits directory:
     * no exit is lost. A process that is not our child (adopted after a restart) has its exit read from there.
     *
     * <p>A process with a cgroup is reported from a thread of its own: what is done before its exit is
     * reported (the OOM count, killing what it left) reads and writes cgroup files, and a v1 kill-all
     * freezes the cgroup and waits for it; on the loop thread that would hold up every other exit and output.
     */
    private void collectExit() {
        collectExit(true);
    }

    /** {@code onLoop}: on the event loop, which must not block; else on a caller that waited for the exit. */
    private void collectExit(boolean onLoop) {
        switch (lifecycle.peek()) {
            case PidfdLifecycle.Peeked.NotYet n -> lifecycle.rearm(); // woken early: watch on
            case PidfdLifecycle.Peeked.Taken t -> {
            }
            case PidfdLifecycle.Peeked.NotOurs n -> {
                if (adopted) {
                    takeRecordedExit();
                    return;
                }
                System.getLogger(NativeProcess.class.getName()).log(System.Logger.Level.ERROR,
                        "cannot collect the exit status of pid " + pid + ": " + n.reason());
                report(() -> Exit.unknown(Instant.now()), onLoop);
            }
            case PidfdLifecycle.Peeked.Status st -> report(() -> toExit(st.code(), st.status()), onLoop);
        }
    }

    private void report(java.util.function.Supplier<Exit> exit, boolean onLoop) {
        if (!onLoop || cgroup().isEmpty()) {
            reportExit(exit.get());
            return;
        }
        Thread.ofVirtual().name("overseer-exit-" + pid).start(() -> reportExit(exit.get()));
    }

    /**
     * The caller waits for the exit itself, for up to {@code patience}, in poll(2) on the pidfd, and collects
     * and reports it on its own thread: woken by the kernel as waitpid would be, rather than by the event
     * loop after the kernel woke it (a second wake-up, on the caller's clock). Only on a platform thread: a
     * virtual thread blocked in a native call would hold its carrier. Returns early if the loop has it.
     */
    @Override
    public void awaitExitHere(java.time.Duration patience) {
        if (adopted || Thread.currentThread().isVirtual() || patience.isZero() || patience.isNegative()) {
            return; // an adopted process's exit comes from the exits directory, through the loop
        }
        int fd = lifecycle.borrow();
        if (fd == ProcessPlans.ChildEnds.NONE) {
            return;
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
        if (ready) {
            collectExit(false);
        } else {
            lifecycle.rearm(); // still running (or interrupted): the loop takes the exit when it comes
        }
    }

    private void reportExit(Exit exit) {
        giveBackTerminal();
        try {
            beforeExitReported();
            onExit.accept(exit);
        } finally {
            lifecycle.reap();
        }
    }

    /** The process ended: if its group still has the terminal, Overseer's group takes it back, as a shell does. */
    private void giveBackTerminal() {
        foreground.filter(t -> t.foregroundGroup().filter(g -> g == pid).isPresent())
                .ifPresent(ControllingTerminal::takeBack);
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
    public void signal(Signal signal, boolean all) {
        PidfdLifecycle.Sent sent;
        try {
            // An adopted process is no child of ours: its group id is not pinned by an unreaped leader.
            sent = lifecycle.signal(signal.number(), all && !adopted);
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot send " + signal + " to " + pid + ": " + e.getMessage(), e);
        }
        requireSignalable(sent);
    }

    /** "process already finished" once reaped, "process not started" before the start. */
    protected void requireSignalable() {
        requireSignalable(lifecycle.reaped() ? PidfdLifecycle.Sent.FINISHED
                : lifecycle.started() ? PidfdLifecycle.Sent.SENT : PidfdLifecycle.Sent.NOT_STARTED);
    }

    private static void requireSignalable(PidfdLifecycle.Sent sent) {
        switch (sent) {
            case FINISHED -> throw OverseerException.processFinished();
            case NOT_STARTED -> throw OverseerException.failedPrecondition("process not started");
            case SENT, EXITING -> {
            }
        }
    }

    /** Whether the process was found again after a restart rather than spawned by this runtime. */
    boolean adopted() {
        return adopted;
    }

    /** Whether the process was ever started (it may have exited since). */
    boolean started() {
        return lifecycle.started();
    }

    /** Whether the process has been started and not reaped: its pid still names it. */
    boolean live() {
        return lifecycle.live();
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
            if (terminalFd != UNSET) {
                LibC.close(terminalFd);
            }
            terminalFd = UNSET;
        }
        // Released once its exit is known, maybe before the exit's reporter got back from reporting it:
        // reap now, so that nothing of the process outlives its release.
        lifecycle.reapIfReporting();
        if (spec.stdout() != Redirect.PIPE && spec.stderr() != Redirect.PIPE) {
            return; // no pipes: no reason to wake the event loop
        }
        pump.stop();
    }
}
