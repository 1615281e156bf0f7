package overseer.linux;

import overseer.core.CycleDeltaMetrics;
import overseer.core.internal.Executables;
import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.ProcessInfo;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.ProcessStats;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.TaskSpec;
import overseer.core.TaskStats;
import overseer.core.spi.RuntimeProcess;
import overseer.core.spi.RuntimeTask;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A native task. With limits (or cgroup profiles) it gets its own cgroups when it starts, and "every
 * process of the task" means every process in them, whatever its process group or session: signals, kill,
 * pause (the freezer), pids, stats. Without limits it has no cgroup, which keeps the spawn as cheap as a
 * plain posix_spawn: then the process groups of its init and exec'd processes are what "every process"
 * means, pause stops them with SIGSTOP and stats come from /proc alone. When the init exits, whatever
 * else of the task still runs is killed (see {@link #killLeftovers()}).
 */
final class NativeTask extends NativeProcess implements RuntimeTask {
    private static final long PAUSE_CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long RESTOP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final String namespace;
    private final TaskSpec taskSpec;
    private final Optional<CgroupTree> tree;
    private final boolean cgroupEveryTask;
    private final List<NativeProcess> execs = new CopyOnWriteArrayList<>();
    private final ProcessSampler sampler = new ProcessSampler();
    private volatile Resources resources;
    private volatile TaskCgroup cgroup;
    private volatile OomWatch oom;
    private volatile Runnable oomListener = () -> {
    };
    private long cycleStartNanos;
    private long cycleCpuStart;

    NativeTask(Host host, String namespace, TaskSpec spec, Path executable, Optional<Credentials> user,
               ProcessOutput output, Optional<CgroupTree> tree, boolean cgroupEveryTask) {
        super(host, spec.process(), executable, user, output);
        this.namespace = namespace;
        this.taskSpec = spec;
        this.tree = tree;
        this.cgroupEveryTask = cgroupEveryTask;
        this.resources = spec.startResources();
    }

    @Override
    protected Optional<TaskCgroup> cgroup() {
        return Optional.ofNullable(cgroup);
    }

    @Override
    protected void beforeExitReported() {
        checkOom();
        killLeftovers();
    }

    private void checkOom() {
        // On the loop thread: never take the task's lock here, a signal may hold it while it freezes.
        OomWatch w = oom;
        if (w != null) {
            w.check();
        }
    }

    /**
     * The init has exited, its zombie not reaped yet: what it leaves behind (background jobs, daemons,
     * exec'd processes) is killed, as systemd's KillMode=control-group and docker do. With a cgroup that is
     * every process in it, wherever it went; without one, the init's process group (still pinned by the
     * unreaped leader) and the groups of the exec'd processes. An adopted init without a cgroup is no child
     * of ours: its group id may name another's by now, so nothing is signalled.
     */
    private void killLeftovers() {
        try {
            TaskCgroup cg = cgroup;
            if (cg != null) {
                long init = pid;
                if (cg.procs().stream().anyMatch(p -> p != init)) {
                    cg.killAll();
                }
                return;
            }
            if (!adopted()) {
                try {
                    LibC.killGroup(pid, Signal.SIGKILL.number());
                } catch (LibC.Errno e) {
                    // ESRCH: the init was alone in its group
                }
            }
            for (NativeProcess p : execs) {
                signalIfLive(p, Signal.SIGKILL);
            }
        } catch (RuntimeException e) {
            System.getLogger(NativeTask.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot kill what task " + namespace + "/" + taskSpec.id() + " left: " + e.getMessage());
        }
    }

    /** The task's own process starts in a cgroup its start has just made (an exec's, in the task's running one). */
    @Override
    protected boolean cgroupIsNew() {
        return true;
    }

    private boolean needsCgroup() {
        return tree.isPresent() && (limited() || cgroupEveryTask);
    }

    /** Limits or profiles to apply: else a cgroup per task needs the tracking hierarchy alone. */
    private boolean limited() {
        return !resources.isEmpty() || taskSpec.profiles().isPresent();
    }

    @Override
    public synchronized long start(Consumer<Exit> exitListener) {
        if (needsCgroup()) {
            TaskCgroup cg = tree.orElseThrow().create(namespace, taskSpec.id(), !limited());
            try {
                cg.apply(resources);
            } catch (RuntimeException e) {
                cg.remove();
                throw e;
            }
            cgroup = cg;
            oom = new OomWatch(loop, cg, () -> oomListener.run());
            oom.start();
            startCycle();
        }
        long started;
        try {
            started = super.start(exitListener);
        } catch (RuntimeException e) {
            removeCgroup();
            throw e;
        }
        return started;
    }

    /**
     * Watches a task a previous Overseer started (see {@link NativeProcess#adopt}), with the cgroups it made
     * for it, if any: limits, stats, the freezer, kill-all and removal then work as on a fresh task. The
     * cgroups are kept even when the process is gone, so that deleting the task removes them.
     */
    /** A task found gone after a restart: its cgroup, if it left one, still goes when the task is deleted. */
    synchronized void adoptGone(Optional<TaskCgroup> cg) {
        cg.ifPresent(c -> cgroup = c);
    }

    synchronized boolean adopt(int pid, long startTime, Optional<TaskCgroup> cg, Consumer<Exit> exitListener) {
        cg.ifPresent(c -> cgroup = c);
        if (!super.adopt(pid, startTime, exitListener)) {
            return false;
        }
        cg.ifPresent(c -> {
            oom = new OomWatch(loop, c, () -> oomListener.run());
            oom.start();
            startCycle();
        });
        return true;
    }

    @Override
    public RuntimeProcess exec(String execId, ProcessSpec spec, ProcessOutput output) {
        Path exe = Executables.resolve(spec);
        Executables.requireCwd(spec);
        Executables.requireRedirects(spec);
        Optional<Credentials> user = spec.user().map(u -> NativeRuntime.credentials(host, u));
        NativeProcess p = new NativeProcess(host, spec, exe, user, output) {
            @Override
            protected Optional<TaskCgroup> cgroup() {
                return NativeTask.this.cgroup();
            }

            @Override
            protected void beforeExitReported() {
                NativeTask.this.checkOom();
            }
        };
        execs.add(p);
        return p;
    }

    @Override
    public void onOom(Runnable listener) {
        oomListener = listener;
    }

    // --- signals --------------------------------------------------------------------------------------

    @Override
    public synchronized void signal(Signal signal, boolean all) {
        TaskCgroup cg = cgroup;
        if (all && cg != null) {
            requireSignalable();
            if (signal == Signal.SIGKILL) {
                cg.killAll();
            } else {
                cg.signalAll(signal.number());
            }
            return;
        }
        super.signal(signal, all);
        if (all) {
            for (NativeProcess p : execs) {
                signalIfLive(p, signal);
            }
        }
    }

    private static void signalIfLive(NativeProcess p, Signal signal) {
        if (p.live()) {
            try {
                p.signal(signal, true);
            } catch (OverseerException finishedMeanwhile) {
                // exited between the check and the signal
            }
        }
    }

    // --- pause ----------------------------------------------------------------------------------------

    @Override
    public void pause() {
        TaskCgroup cg = cgroup;
        if (cg != null && cg.canFreeze()) {
            cg.freeze();
            return;
        }
        // No freezer: SIGSTOP, then Pausing until every member is seen stopped (state T) or gone.
        signal(Signal.SIGSTOP, true);
        long deadline = System.nanoTime() + PAUSE_CONFIRM_NANOS;
        long resend = System.nanoTime() + RESTOP_NANOS;
        while (!allStopped()) {
            long now = System.nanoTime();
            if (now > deadline) {
                signal(Signal.SIGCONT, true);
                throw OverseerException.unavailable("the processes of the task did not stop within 2s");
            }
            if (now > resend) {
                // A member the first SIGSTOP missed (one that joined the group as it was sent) gets another.
                signal(Signal.SIGSTOP, true);
                resend = now + RESTOP_NANOS;
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private boolean allStopped() {
        return members().stream().map(ProcFs::stat).flatMap(Optional::stream)
                .allMatch(s -> s.state() == 'T' || s.state() == 'Z' || s.state() == 'X');
    }

    @Override
    public void resume() {
        TaskCgroup cg = cgroup;
        if (cg != null && cg.canFreeze()) {
            cg.thaw();
            return;
        }
        signal(Signal.SIGCONT, true);
    }

    // --- pids and stats -------------------------------------------------------------------------------

    @Override
    public List<ProcessInfo> pids() {
        return ProcFs.live(members());
    }

    /** Every process of the task: its cgroup's, or the members of its process groups. */
    private List<Long> members() {
        TaskCgroup cg = cgroup;
        if (cg != null) {
            return cg.procs();
        }
        Set<Long> groups = groups();
        return ProcFs.all().stream().filter(s -> groups.contains(s.pgrp())).map(ProcFs.Stat::pid).toList();
    }

    private Set<Long> groups() {
        Set<Long> groups = new HashSet<>();
        if (live()) {
            groups.add((long) pid);
        }
        for (NativeProcess p : execs) {
            if (p.live()) {
                groups.add((long) p.pid);
            }
        }
        return groups;
    }

    @Override
    public TaskStats stats() {
        List<ProcessSampler.Sample> samples = sampler.sample(members());
        List<ProcessStats> processes = samples.stream().map(ProcessSampler.Sample::stats).toList();
        // What the live processes use, from /proc: where no cgroup counts CPU or memory (none, or only the
        // tracking one), the task's figures are their sums; no peak, no limit, no OOM count to read then.
        long cpu = samples.stream().mapToLong(ProcessSampler.Sample::cpuNs).sum();
        long rss = processes.stream().mapToLong(ProcessStats::rss).sum();
        TaskCgroup cg = cgroup;
        if (cg != null) {
            return cg.stats(processes, cpu, rss);
        }
        return new TaskStats(cpu, 0, 0, rss, -1, -1, processes.size(), 0, processes);
    }

    // --- resources and cycles -------------------------------------------------------------------------

    @Override
    public synchronized void update(Resources r) {
        tree.orElseThrow(() -> OverseerException.unavailable("update: cgroups cannot be used on this host"))
                .requireSupported(r);
        TaskCgroup cg = cgroup;
        if (cg != null && !r.isEmpty() && tree.orElseThrow().trackingOnly(cg)) {
            cg = widened(cg);
        }
        if (cg != null) {
            cg.apply(r);
        } else if (started()) {
            throw OverseerException.failedPrecondition(
                    "update: task %s/%s runs without a cgroup because it was started without resources; "
                            + "give it resources (or cgroup profiles) when creating it", namespace, taskSpec.id());
        }
        resources = r;
    }

    /** A task started without limits gets its cgroups in the other hierarchies once it is given some. */
    private TaskCgroup widened(TaskCgroup narrow) {
        TaskCgroup wide = tree.orElseThrow().widen(narrow, namespace, taskSpec.id());
        cgroup = wide;
        if (oom != null) {
            oom.close();
        }
        oom = new OomWatch(loop, wide, () -> oomListener.run());
        oom.start();
        return wide;
    }

    @Override
    public synchronized void startCycle() {
        TaskCgroup cg = cgroup;
        if (cg == null) {
            return; // nothing to measure: a thaw is a resume, and cycleMetrics says why there are none
        }
        cg.resetPeak();
        cycleCpuStart = cg.cpuUsageNs();
        cycleStartNanos = System.nanoTime();
    }

    @Override
    public synchronized CycleDeltaMetrics cycleMetrics() {
        TaskCgroup cg = requireCgroup();
        long run = System.nanoTime() - cycleStartNanos;
        long cpu = Math.max(0, cg.cpuUsageNs() - cycleCpuStart);
        double cores = resources.cpus().orElse((double) java.lang.Runtime.getRuntime().availableProcessors());
        long idle = Math.max(0, Math.round(run * cores) - cpu);
        return new CycleDeltaMetrics(cpu, run, Math.max(0, cg.peakBytes()), idle);
    }

    private TaskCgroup requireCgroup() {
        TaskCgroup cg = cgroup;
        if (cg == null) {
            throw OverseerException.failedPrecondition(
                    "freeze: task %s/%s has no cgroup to measure (give it resources or cgroup profiles)%s",
                    namespace, taskSpec.id(), started() ? "" : ", or start it first");
        }
        return cg;
    }

    // --- release --------------------------------------------------------------------------------------

    @Override
    public void release() {
        super.release();
        removeCgroup();
    }

    /** Kills whatever is left in the cgroups (daemons, orphans) and removes them. */
    private synchronized void removeCgroup() {
        if (oom != null) {
            oom.close();
            oom = null;
        }
        TaskCgroup cg = cgroup;
        if (cg != null) {
            cg.remove();
            cgroup = null;
        }
    }
}
