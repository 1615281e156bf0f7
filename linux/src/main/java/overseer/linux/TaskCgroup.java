package overseer.linux;

import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.ProcessStats;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.TaskStats;
import overseer.linux.CgroupLayout.Controller;
import overseer.linux.CgroupLayout.Version;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One task's cgroups: a directory per v1 hierarchy used and one in v2. Placement, the pids, freezing, killing
 * and removal are here; the limits are mapped to writes by {@link CgroupLimits} and the counters read by
 * {@link CgroupCounters}, each through the version its controller lives on.
 */
final class TaskCgroup {
    private static final System.Logger LOG = System.getLogger(TaskCgroup.class.getName());
    private static final long CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long EMPTY_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Polls (200 µs apart) of a v1 freezer still FREEZING before it is thawed and frozen again: 50 ms. */
    private static final int V1_REFREEZE_POLLS = 250;
    private static final int SIGKILL = 9;

    private final CgroupLayout layout;
    private final String name;
    private final Map<Controller, Path> dirs;
    private final Optional<Path> v2;
    private final List<Path> v1Dirs;
    private final Path tracking;
    private final CgroupCounters counters;

    TaskCgroup(CgroupLayout layout, String name, Map<Controller, Path> dirs, Optional<Path> v2) {
        this.layout = layout;
        this.name = name;
        this.dirs = Map.copyOf(dirs);
        this.v2 = v2;
        Set<Path> v1 = new LinkedHashSet<>();
        for (Controller c : Controller.values()) {
            if (layout.version(c) == Version.V1) {
                v1.add(dirs.get(c));
            }
        }
        this.v1Dirs = List.copyOf(v1);
        this.tracking = v2.orElseGet(() -> layout.version(Controller.FREEZER) == Version.V1
                ? dirs.get(Controller.FREEZER) : v1Dirs.getFirst());
        this.counters = new CgroupCounters(layout, this.dirs, v2, () -> procs().size(), name);
    }

    CgroupLayout layout() {
        return layout;
    }

    String name() {
        return name;
    }

    /** Every directory of the task, v1 then v2. */
    List<Path> directories() {
        List<Path> all = new ArrayList<>(v1Dirs);
        v2.ifPresent(all::add);
        return all;
    }

    /**
     * How a process is put in these cgroups before it runs anything of its own.
     *
     * @param threadTasks the v1 {@code tasks} files a spawning thread writes its own id to first, so that
     *                    the child is born inside (when there is no v2 cgroup)
     * @param gateProcs   the {@code cgroup.procs} files a gated child's pid is written to before it may exec
     *                    the program: the v2 cgroup, which only takes whole processes, and with it every v1
     *                    cgroup, since the gate is paid for anyway (one write per cgroup instead of a thread
     *                    hand-off and two writes per cgroup, and the spawning thread never counts against
     *                    pids.max)
     * @param bornIn      the v2 cgroup the child is cloned straight into ({@link CloneSpawn}), when it is
     *                    the task's only one: no gate, no write
     */
    record Placement(List<Path> threadTasks, List<Path> gateProcs, Optional<Path> bornIn) {
        static final Placement NOWHERE = new Placement(List.of(), List.of(), Optional.empty());
    }

    /** {@code cloneInto}: whether a process may be cloned into the v2 cgroup, if it is the task's only one. */
    Placement placement(boolean cloneInto) {
        if (v2.isEmpty()) {
            return new Placement(v1Dirs.stream().map(d -> d.resolve("tasks")).toList(), List.of(), Optional.empty());
        }
        if (cloneInto && v1Dirs.isEmpty() && CloneSpawn.works(v2.get())) {
            return new Placement(List.of(), List.of(), v2);
        }
        return new Placement(List.of(), directories().stream().map(d -> d.resolve("cgroup.procs")).toList(), Optional.empty());
    }

    Optional<Path> dir(Controller c) {
        return Optional.ofNullable(dirs.get(c));
    }

    Version version(Controller c) {
        return layout.version(c);
    }

    // --- limits ---------------------------------------------------------------------------------------

    /** Writes every limit set in {@code r} ({@link CgroupLimits}); a limit left empty is left as it is. */
    void apply(Resources r) {
        for (CgroupLimits.Write w : CgroupLimits.of(r, layout, dirs)) {
            set(w.field(), w.file(), w.value());
        }
    }

    /** One write; the kernel's refusal by its errno: EINVAL is the caller's value, EBUSY the cgroup's state. */
    static void set(String field, Path file, String value) {
        try {
            CgroupFs.writeOrErrno(file, value);
        } catch (LibC.Errno e) {
            String msg = "the kernel refused \"%s\" for %s: %s".formatted(value, file, LibC.strerror(e.errno));
            throw switch (e.errno) {
                case LibC.EINVAL -> OverseerException.aboutField(ErrorKind.INVALID_ARGUMENT, field, "%s", msg);
                case Errnos.EBUSY -> OverseerException.aboutField(ErrorKind.FAILED_PRECONDITION, field, "%s", msg);
                default -> OverseerException.aboutField(ErrorKind.UNAVAILABLE, field, "%s", msg);
            };
        }
    }

    // --- processes ------------------------------------------------------------------------------------

    /** Every process in the task's cgroup, whatever its process group or session. */
    List<Long> procs() {
        return CgroupFs.pids(tracking.resolve("cgroup.procs"));
    }

    boolean canFreeze() {
        return version(Controller.FREEZER) != Version.NONE;
    }

    /** Freezes every process and returns once the kernel says all are frozen; UNAVAILABLE after 2 s. */
    void freeze() {
        Path d = dirs.get(Controller.FREEZER);
        switch (version(Controller.FREEZER)) {
            case V2 -> {
                set("freeze", d.resolve("cgroup.freeze"), "1");
                confirm("freeze", () -> CgroupFs.readKeyed(d.resolve("cgroup.events")).getOrDefault("frozen", 0L) == 1,
                        this::thaw);
            }
            case V1 -> {
                Path state = d.resolve("freezer.state");
                set("freeze", state, "FROZEN");
                int[] polls = {0};
                confirm("freeze", () -> {
                    if ("FROZEN".equals(CgroupFs.readIfExists(state).orElse(""))) {
                        return true;
                    }
                    if (++polls[0] % V1_REFREEZE_POLLS == 0) {
                        // As runc does (libcontainer's fs freezer): a v1 cgroup can stay FREEZING for good, a task
                        // caught in a vfork or a migration; thawing it and freezing it again gets it unstuck.
                        set("freeze", state, "THAWED");
                        set("freeze", state, "FROZEN");
                    }
                    return false;
                }, this::thaw);
            }
            case NONE -> throw OverseerException.unavailable("freeze: this host has no freezer");
        }
    }

    /** Runs {@code body} with every process frozen, where a freezer is at hand: none can fork or exit meanwhile. */
    void frozen(Runnable body) {
        if (!canFreeze()) {
            body.run();
            return;
        }
        freeze();
        try {
            body.run();
        } finally {
            thaw();
        }
    }

    void thaw() {
        Path d = dirs.get(Controller.FREEZER);
        switch (version(Controller.FREEZER)) {
            case V2 -> set("thaw", d.resolve("cgroup.freeze"), "0");
            case V1 -> set("thaw", d.resolve("freezer.state"), "THAWED");
            case NONE -> throw OverseerException.unavailable("thaw: this host has no freezer");
        }
    }

    private void confirm(String op, BooleanSupplier done, Runnable undo) {
        long deadline = System.nanoTime() + CONFIRM_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                undo.run();
                throw OverseerException.unavailable("%s: the processes of task %s were not all frozen within 2s", op, name);
            }
            LockSupport.parkNanos(200_000);
        }
    }

    /**
     * SIGKILL to every process in the cgroup, including those that left the process group or forked just
     * now: cgroup.kill where v2 has it; else freeze (so nothing forks or exits), kill each, thaw; else kill
     * each until none is left.
     */
    void killAll() {
        if (v2.isPresent() && layout.v2().orElseThrow().kill()) {
            set("kill", v2.get().resolve("cgroup.kill"), "1");
            return;
        }
        if (canFreeze()) {
            try {
                freeze();
                for (long pid : procs()) {
                    try {
                        LibC.kill((int) pid, SIGKILL); // frozen: it cannot exit, so its pid cannot be reused
                    } catch (LibC.Errno gone) {
                        // already dying
                    }
                }
                return;
            } catch (OverseerException notFrozen) {
                // fall through to killing one by one
            } finally {
                thaw();
            }
        }
        long deadline = System.nanoTime() + CONFIRM_NANOS;
        while (!procs().isEmpty() && System.nanoTime() < deadline) {
            signalAll(SIGKILL);
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * {@code signal} to every process in the cgroup, through pidfds: a pid read from cgroup.procs may be
     * reused before it is signalled, so a process is signalled only if it is still listed once its pidfd is
     * open (from then on the pidfd names that process, whatever happens to the number).
     */
    void signalAll(int signal) {
        Map<Long, Pidfd> fds = new HashMap<>();
        try {
            for (long pid : procs()) {
                Pidfd.open(pid).ifPresent(p -> fds.put(pid, p)); // empty: exited meanwhile
            }
            Set<Long> still = new HashSet<>(procs());
            fds.forEach((pid, p) -> {
                if (still.contains(pid)) {
                    p.signal(Signal.of(signal)); // false: exited meanwhile
                }
            });
        } finally {
            fds.values().forEach(Pidfd::close);
        }
    }

    // --- counters ({@link CgroupCounters}) -------------------------------------------------------------

    long cpuUsageNs() {
        return counters.cpuUsageNs();
    }

    long oomKills() {
        return counters.oomKills();
    }

    void resetPeak() {
        counters.resetPeak();
    }

    long peakBytes() {
        return counters.peakBytes();
    }

    /** The cgroup's half of {@link TaskStats}: everything but the per-process figures. */
    TaskStats stats(List<ProcessStats> processes) {
        return stats(processes, 0, processes.stream().mapToLong(ProcessStats::rss).sum());
    }

    /**
     * {@link #stats(List)}, with what the processes use by /proc ({@code processCpuNs}, {@code processRss})
     * standing in where no cgroup of the task counts CPU or memory: a tracking-only cgroup counts neither.
     */
    TaskStats stats(List<ProcessStats> processes, long processCpuNs, long processRss) {
        return counters.stats(processes, processCpuNs, processRss);
    }

    // --- removal --------------------------------------------------------------------------------------

    /**
     * Kills whatever is left in the cgroup, waits until it is empty and removes every directory. Failures
     * are logged, not thrown: the task is deleted either way, and a leftover empty cgroup is harmless.
     */
    void remove() {
        counters.close();
        if (!procs().isEmpty()) {
            try {
                killAll();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot kill what is left in " + this + ": " + e.getMessage());
            }
            long deadline = System.nanoTime() + EMPTY_NANOS;
            while (!procs().isEmpty() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(500_000);
            }
        }
        for (Path d : directories()) {
            long deadline = System.nanoTime() + CONFIRM_NANOS;
            // A process that was just killed may still be on its way out of the cgroup: rmdir says EBUSY.
            CgroupTree.Removal r;
            while ((r = CgroupTree.removeDir(d)) != CgroupTree.Removal.REMOVED) {
                if (r == CgroupTree.Removal.NOT_EMPTY || System.nanoTime() > deadline) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove cgroup " + d + " of task " + name);
                    break;
                }
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    @Override
    public String toString() {
        return "cgroup of " + name + " " + directories();
    }
}
