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
    private static final int NONE = ProcessPlans.ChildEnds.NONE;

    protected final Host host;
    protected final EventLoop loop;
    protected final ProcessSpec spec;
    private final Path executable;
    private final Optional<Credentials> user;
    private final PidfdLifecycle lifecycle;
    private final OutputPump pump;
    protected volatile int pid;
    /** Read while the child cannot have been reaped (at its spawn), or given at its adoption; 0 if unknown. */
    private volatile long startTime;
    // Found again after a restart: not our child (as a rule), so its group id is not pinned by an unreaped
    // leader and its status comes from the monitor's exits directory. Signals go to it alone, through its pidfd.
    private volatile boolean adopted;
    private final AdoptedExit adoptedExit;
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
        this.adoptedExit = new AdoptedExit(host);
    }

    /** The cgroups the process is born in; none for a task without limits. */
    protected Optional<TaskCgroup> cgroup() {
        return Optional.empty();
    }

    /**
     * Whether {@link #cgroup()} was made for this start, so that nothing can have frozen it: only then may the
     * child be cloned into it. A clone waits for its child's exec (CLONE_VFORK), and a child born into a frozen
     * cgroup would hold the spawning thread until the thaw; an exec into a running task, which a pause may
     * race, is gated instead.
     */
    protected boolean cgroupIsNew() {
        return false;
    }

    /**
     * Watches a process a previous Overseer started: {@code startTime} must still match, read after the
     * pidfd is open, so that the pidfd is known to name that very process and not one that got its pid.
     * Returns false when it is gone; UNAVAILABLE when it cannot be watched now (no descriptor left: EMFILE,
     * ENFILE), which says nothing of whether it still runs.
     */
    synchronized boolean adopt(int pid, long startTime, Consumer<Exit> exitListener) {
        int fd;
        try {
            fd = PidfdLifecycle.open(pid);
        } catch (LibC.Errno e) {
            if (e.errno == LibC.ESRCH) {
                return false; // no such process
            }
            throw OverseerException.unavailable("cannot watch pid %d again: pidfd_open: %s", pid, e.getMessage());
        }
        if (ProcFs.startTime(pid).orElse(-1) != startTime) {
            LibC.close(fd);
            return false;
        }
        this.onExit = exitListener;
        this.pid = pid;
        this.adopted = true;
        this.startTime = startTime;
        try {
            lifecycle.watch(pid, fd, this::collectExit); // which closes and forgets fd if it fails
        } catch (LibC.Errno e) {
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
        TaskCgroup.Placement placement = cgroup.map(c -> c.placement(host.cloneIntoCgroup() && cgroupIsNew()))
                .orElse(TaskCgroup.Placement.NOWHERE);
        boolean gated = !placement.gateProcs().isEmpty();
        oomKillsAtStart = cgroup.map(TaskCgroup::oomKills).orElse(0L);
        // Like a shell's job: the child takes the terminal only if Overseer has it (not when run with &).
        foreground = host.terminal().filter(t -> !spec.terminal() && spec.stdin() == Redirect.INHERIT
                && t.inForeground());
        int tty = foreground.map(ControllingTerminal::fd).orElse(NONE);
        boolean exited;
        try (ChildStdio stdio = new ChildStdio(spec, gated)) {
            SpawnPlan plan = ProcessPlans.plan(spec, executable, user, host.setpriv(), host.gate(), stdio.childEnds(tty));
            try {
                pid = host.spawner().spawn(placement.threadTasks(), () -> placement.bornIn().isPresent()
                        ? CloneSpawn.spawn(plan, placement.bornIn()) : PosixSpawn.spawn(plan));
            } finally {
                stdio.closeChildEnds();
            }
            // From here on the child runs: it is ours until we reap it, so its pid cannot be reused. Whatever
            // fails from here on kills and reaps it before the error is thrown (see abandon).
            int pidfd;
            try {
                pidfd = PidfdLifecycle.open(pid);
            } catch (LibC.Errno e) {
                throw abandon(stdio, NONE, e);
            }
            // Our child, unreaped: nobody else can reap it, and the loop does not watch it yet.
            startTime = ProcFs.startTimeEvenIfZombie(pid).orElse(0);
            if (gated) {
                openGate(placement.gateProcs(), stdio, pidfd);
            }
            exited = !watch(stdio, pidfd);
        }
        if (exited) {
            collectExit(false); // reported before the start returns: the task publishes it after its start
        }
        return pid;
    }

    /**
     * The spawned child's descriptors go to their users: stdin, the terminal, the output pump, the pidfd.
     * False when the child has exited already and its exit is the caller's to collect.
     */
    private boolean watch(ChildStdio stdio, int pidfd) {
        try {
            int in = stdio.takeStdin();
            if (in != NONE) {
                stdin = new FdOutputStream(in);
            }
            int master = stdio.terminalMaster();
            if (master != NONE) {
                // One open file, three descriptors: the loop reads output, stdin writes input, resize sets the size.
                terminalFd = LibC.dupCloexec(master);
                stdin = new FdOutputStream(LibC.dupCloexec(master));
            }
            pump.watch(LogStream.STDOUT, master != NONE ? stdio.takeTerminal() : stdio.takeStdout());
            pump.watch(LogStream.STDERR, stdio.takeStderr());
        } catch (LibC.Errno e) {
            throw abandon(stdio, pidfd, e);
        }
        try {
            return lifecycle.watchUnlessExited(pid, pidfd, this::collectExit);
        } catch (LibC.Errno e) {
            throw abandon(stdio, NONE, e); // the lifecycle closed the pidfd
        }
    }

    /**
     * The gated child waits: move it into each of the task's cgroups, then let it exec. If it cannot be
     * moved it must not run at all: it is killed and reaped before the error is thrown.
     */
    private void openGate(List<Path> procsFiles, ChildStdio stdio, int pidfd) {
        int gate = stdio.takeGate();
        Path at = null;
        try {
            for (Path procs : procsFiles) {
                at = procs;
                CgroupFs.write(procs, Integer.toString(pid));
            }
            at = null;
            try (Arena a = Arena.ofConfined()) {
                LibC.write(gate, a.allocateFrom("go\n"), 3);
            }
        } catch (IOException | LibC.Errno e) {
            int child = pid;
            abandon(stdio, pidfd, e);
            throw OverseerException.unavailable("cannot place process %d in %s: %s", child,
                    at == null ? "its cgroups" : at.getParent(), e instanceof IOException io ? CgroupFs.reason(io) : e.getMessage());
        } finally {
            LibC.close(gate);
        }
    }

    /**
     * The spawned child cannot be watched or placed, so it must not run at all: what it was given goes back
     * (stdin, the terminal, the pump's pipes, every descriptor not handed out), then it is killed and reaped,
     * through {@code pidfd} ({@code NONE}: one opened now), and its pid forgotten. Returns the error to throw.
     */
    private OverseerException abandon(ChildStdio stdio, int pidfd, Exception cause) {
        int child = pid;
        if (stdin != null) {
            stdin.close();
            stdin = null;
        }
        if (terminalFd != UNSET) {
            LibC.close(terminalFd);
            terminalFd = UNSET;
        }
        pump.stop();
        stdio.close(); // first: when descriptors ran out, these make room for the kill's pidfd
        PidfdLifecycle.killAndReap(child, pidfd);
        pid = 0;
        return OverseerException.internal("cannot watch process " + child + ": " + cause.getMessage(), cause);
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
                if (adopted) { // its exit is read from the exits directory, off the loop thread
                    adoptedExit.take(pid, startTime, this::withOomKill, e -> {
                        beforeExitReported();
                        onExit.accept(e);
                    });
                    return;
                }
                System.getLogger(NativeProcess.class.getName()).log(System.Logger.Level.ERROR,
                        "cannot collect the exit status of pid " + pid + ": " + n.reason());
                report(() -> Exit.unknown(Instant.now()), onLoop);
            }
            case PidfdLifecycle.Peeked.Status st -> report(() -> withOomKill(st.exit()), onLoop);
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
        if (lifecycle.awaitExit(patience)) {
            collectExit(false);
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

    /** Its exit file in the exits directory, if it was found again after a restart. */
    AdoptedExit adoptedExit() {
        return adoptedExit;
    }

    /** A SIGKILL (collected, or recorded by the monitor) while the task's cgroup counted an OOM kill was the OOM killer's. */
    Exit withOomKill(Exit e) {
        return e.signal().filter(s -> oomKilled(s.number())).map(s -> Exit.killed(s, true, e.exitedAt())).orElse(e);
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

    @Override
    public long startTime() {
        return startTime;
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
        adoptedExit.forget();
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
