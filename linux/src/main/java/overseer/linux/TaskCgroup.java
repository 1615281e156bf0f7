package overseer.linux;

import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.ProcessStats;
import overseer.core.Resources;
import overseer.core.TaskStats;
import overseer.linux.CgroupLayout.Controller;
import overseer.linux.CgroupLayout.Version;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One task's cgroups: a directory per v1 hierarchy used and one in v2. Limits, freezing, killing, the pids
 * and the counters all go through here, each through the version its controller lives on.
 */
final class TaskCgroup {
    private static final System.Logger LOG = System.getLogger(TaskCgroup.class.getName());
    /** The CFS period; a quota of {@code cpus} cores is cpus × this. */
    static final long CPU_PERIOD_US = 100_000;
    /** The kernel's smallest CFS quota, 1 ms: 0.01 of a core over the period. */
    static final long CPU_MIN_QUOTA_US = 1_000;
    private static final long V1_UNLIMITED = 1L << 62;
    private static final long CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long EMPTY_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int SIGKILL = 9;

    private final CgroupLayout layout;
    private final String name;
    private final Map<Controller, Path> dirs;
    private final Optional<Path> v2;
    private final List<Path> v1Dirs;
    private final Path tracking;
    /** memory.peak held open: on cgroup v2 a write resets the peak as seen through that descriptor only. */
    private FileChannel peak;

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
     */
    record Placement(List<Path> threadTasks, List<Path> gateProcs) {
    }

    Placement placement() {
        if (v2.isEmpty()) {
            return new Placement(v1Dirs.stream().map(d -> d.resolve("tasks")).toList(), List.of());
        }
        return new Placement(List.of(), directories().stream().map(d -> d.resolve("cgroup.procs")).toList());
    }

    Optional<Path> dir(Controller c) {
        return Optional.ofNullable(dirs.get(c));
    }

    Version version(Controller c) {
        return layout.version(c);
    }

    // --- limits ---------------------------------------------------------------------------------------

    /** Writes every limit set in {@code r}; a limit left empty is left as it is. */
    void apply(Resources r) {
        r.cpus().ifPresent(cores -> {
            long quota = Math.max(CPU_MIN_QUOTA_US, Math.round(cores * CPU_PERIOD_US));
            Path d = require("resources.cpus", Controller.CPU);
            if (version(Controller.CPU) == Version.V2) {
                set("resources.cpus", d.resolve("cpu.max"), quota + " " + CPU_PERIOD_US);
            } else {
                set("resources.cpus", d.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
                set("resources.cpus", d.resolve("cpu.cfs_quota_us"), Long.toString(quota));
            }
        });
        r.cpuWeight().ifPresent(w -> {
            Path d = require("resources.cpuWeight", Controller.CPU);
            if (version(Controller.CPU) == Version.V2) {
                set("resources.cpuWeight", d.resolve("cpu.weight"), Integer.toString(w));
            } else {
                set("resources.cpuWeight", d.resolve("cpu.shares"), Long.toString(cpuShares(w)));
            }
        });
        r.memoryBytes().ifPresent(m -> applyMemory(m, r.swapBytes()));
        r.pidsLimit().ifPresent(p -> set("resources.pidsLimit", require("resources.pidsLimit", Controller.PIDS)
                .resolve("pids.max"), Long.toString(p)));
        r.ioWeight().ifPresent(this::applyIoWeight);
    }

    /** systemd's mapping of cpu.weight to v1 cpu.shares: weight 100 (the default) is 1024 shares. */
    static long cpuShares(int weight) {
        return Math.clamp(weight * 1024L / 100, 2, 262_144);
    }

    /** v2 io.weight 1..10000 onto v1 blkio.weight 10..1000, as runc maps them the other way. */
    static long blkioWeight(int weight) {
        return 10 + (weight - 1) * 990L / 9999;
    }

    private void applyMemory(long memory, OptionalLong swap) {
        Path d = require("resources.memoryBytes", Controller.MEMORY);
        if (version(Controller.MEMORY) == Version.V2) {
            set("resources.memoryBytes", d.resolve("memory.max"), Long.toString(memory));
            // v2 limits swap alone; Overseer's swapBytes is docker's memory plus swap.
            swap.ifPresent(s -> set("resources.swapBytes", d.resolve("memory.swap.max"), Long.toString(s - memory)));
            return;
        }
        Path limit = d.resolve("memory.limit_in_bytes");
        if (swap.isEmpty()) {
            set("resources.memoryBytes", limit, Long.toString(memory));
            return;
        }
        // v1 refuses a memory+swap limit below the memory limit at any moment: raise memsw first, lower it last.
        Path memsw = d.resolve("memory.memsw.limit_in_bytes");
        long s = swap.getAsLong();
        if (s >= CgroupFs.readLong(memsw, Long.MAX_VALUE)) {
            set("resources.swapBytes", memsw, Long.toString(s));
            set("resources.memoryBytes", limit, Long.toString(memory));
        } else {
            set("resources.memoryBytes", limit, Long.toString(memory));
            set("resources.swapBytes", memsw, Long.toString(s));
        }
    }

    private void applyIoWeight(int w) {
        Path d = require("resources.ioWeight", Controller.IO);
        List<Path> tried = new ArrayList<>();
        if (version(Controller.IO) == Version.V2) {
            Path weight = d.resolve("io.weight");
            if (Files.exists(weight)) {
                set("resources.ioWeight", weight, "default " + w);
                return;
            }
            tried.add(weight);
        }
        // v1, or a v2 io controller without iocost: the scheduler's own weight (CFQ, BFQ), 10..1000.
        for (String f : List.of("blkio.weight", "blkio.bfq.weight", "io.bfq.weight")) {
            Path p = d.resolve(f);
            if (Files.exists(p)) {
                set("resources.ioWeight", p, Long.toString(blkioWeight(w)));
                return;
            }
            tried.add(p);
        }
        throw OverseerException.unavailable("resources.ioWeight: the IO scheduler takes no weight here (none of %s exists)",
                tried.stream().map(p -> p.getFileName().toString()).toList());
    }

    private Path require(String field, Controller c) {
        Path d = dirs.get(c);
        if (d == null) {
            throw OverseerException.aboutField(ErrorKind.UNAVAILABLE, field, "this host has no %s controller", c.word());
        }
        return d;
    }

    private static void set(String field, Path file, String value) {
        try {
            CgroupFs.write(file, value);
        } catch (IOException e) {
            String reason = CgroupFs.reason(e);
            String msg = "the kernel refused \"%s\" for %s: %s".formatted(value, file, reason);
            throw switch (reason) {
                case "Invalid argument" -> OverseerException.aboutField(ErrorKind.INVALID_ARGUMENT, field, "%s", msg);
                case "Device or resource busy" -> OverseerException.aboutField(ErrorKind.FAILED_PRECONDITION, field, "%s", msg);
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
                set("freeze", d.resolve("freezer.state"), "FROZEN");
                confirm("freeze", () -> "FROZEN".equals(CgroupFs.readIfExists(d.resolve("freezer.state")).orElse("")),
                        this::thaw);
            }
            case NONE -> throw OverseerException.unavailable("freeze: this host has no freezer");
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
        Map<Long, Integer> fds = new HashMap<>();
        try {
            for (long pid : procs()) {
                try {
                    fds.put(pid, LibC.pidfdOpen((int) pid));
                } catch (LibC.Errno gone) {
                    // exited meanwhile
                }
            }
            Set<Long> still = new HashSet<>(procs());
            for (Map.Entry<Long, Integer> e : fds.entrySet()) {
                if (still.contains(e.getKey())) {
                    try {
                        LibC.pidfdSendSignal(e.getValue(), signal);
                    } catch (LibC.Errno gone) {
                        // exited meanwhile
                    }
                }
            }
        } finally {
            fds.values().forEach(LibC::close);
        }
    }

    // --- counters -------------------------------------------------------------------------------------

    /** CPU time used by every process of the task, ever. */
    long cpuUsageNs() {
        return switch (version(Controller.CPUACCT)) {
            case V1 -> CgroupFs.readLong(dirs.get(Controller.CPUACCT).resolve("cpuacct.usage"), 0);
            // v2 keeps usage_usec in cpu.stat even when the cpu controller is not enabled.
            case V2 -> v2CpuStat().getOrDefault("usage_usec", 0L) * 1000;
            case NONE -> v2.isPresent() ? v2CpuStat().getOrDefault("usage_usec", 0L) * 1000 : 0;
        };
    }

    private Map<String, Long> v2CpuStat() {
        return CgroupFs.readKeyed(v2.orElseThrow().resolve("cpu.stat"));
    }

    /** The OOM killer's kills in the task, ever. */
    long oomKills() {
        return switch (version(Controller.MEMORY)) {
            case V2 -> CgroupFs.readKeyed(dirs.get(Controller.MEMORY).resolve("memory.events")).getOrDefault("oom_kill", 0L);
            case V1 -> CgroupFs.readKeyed(dirs.get(Controller.MEMORY).resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
            case NONE -> 0;
        };
    }

    /** Starts measuring peak memory afresh (a new freeze/thaw cycle). */
    synchronized void resetPeak() {
        Path d = dirs.get(Controller.MEMORY);
        switch (version(Controller.MEMORY)) {
            case V1 -> {
                try {
                    CgroupFs.write(d.resolve("memory.max_usage_in_bytes"), "0");
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot reset the peak memory of " + name + ": " + CgroupFs.reason(e));
                }
            }
            case V2 -> {
                closePeak();
                try {
                    peak = FileChannel.open(d.resolve("memory.peak"), StandardOpenOption.READ, StandardOpenOption.WRITE);
                    peak.write(ByteBuffer.wrap("reset\n".getBytes(StandardCharsets.US_ASCII)), 0);
                } catch (IOException e) {
                    // Before Linux 6.12 memory.peak cannot be reset: the peak is then the task's whole life's.
                }
            }
            case NONE -> {
            }
        }
    }

    /** Peak memory since {@link #resetPeak()}, or -1 where the host cannot tell. */
    synchronized long peakBytes() {
        Path d = dirs.get(Controller.MEMORY);
        return switch (version(Controller.MEMORY)) {
            case V1 -> CgroupFs.readLong(d.resolve("memory.max_usage_in_bytes"), -1);
            case V2 -> peak != null ? readPeakChannel() : CgroupFs.readLong(d.resolve("memory.peak"), -1);
            case NONE -> -1;
        };
    }

    private long readPeakChannel() {
        try {
            ByteBuffer buf = ByteBuffer.allocate(64);
            peak.read(buf, 0);
            return CgroupFs.parseLong(new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
        } catch (IOException | NumberFormatException e) {
            return CgroupFs.readLong(dirs.get(Controller.MEMORY).resolve("memory.peak"), -1);
        }
    }

    private synchronized void closePeak() {
        if (peak != null) {
            try {
                peak.close();
            } catch (IOException ignored) {
                // nothing to flush
            }
            peak = null;
        }
    }

    /** The cgroup's half of {@link TaskStats}: everything but the per-process figures. */
    TaskStats stats(List<ProcessStats> processes) {
        long cpu = cpuUsageNs();
        long throttledNs = 0;
        long throttledPeriods = 0;
        switch (version(Controller.CPU)) {
            case V2 -> {
                Map<String, Long> st = v2CpuStat();
                throttledNs = st.getOrDefault("throttled_usec", 0L) * 1000;
                throttledPeriods = st.getOrDefault("nr_throttled", 0L);
            }
            case V1 -> {
                Map<String, Long> st = CgroupFs.readKeyed(dirs.get(Controller.CPU).resolve("cpu.stat"));
                throttledNs = st.getOrDefault("throttled_time", 0L);
                throttledPeriods = st.getOrDefault("nr_throttled", 0L);
            }
            case NONE -> {
            }
        }
        long usage = -1;
        long limit = -1;
        Path m = dirs.get(Controller.MEMORY);
        switch (version(Controller.MEMORY)) {
            case V2 -> {
                usage = CgroupFs.readLong(m.resolve("memory.current"), -1);
                limit = CgroupFs.readLong(m.resolve("memory.max"), -1);
            }
            case V1 -> {
                usage = CgroupFs.readLong(m.resolve("memory.usage_in_bytes"), -1);
                long l = CgroupFs.readLong(m.resolve("memory.limit_in_bytes"), -1);
                limit = l >= V1_UNLIMITED ? -1 : l;
            }
            case NONE -> {
            }
        }
        long pids = version(Controller.PIDS) != Version.NONE
                ? CgroupFs.readLong(dirs.get(Controller.PIDS).resolve("pids.current"), 0) : procs().size();
        return new TaskStats(cpu, throttledNs, throttledPeriods, usage, peakBytes(), limit, pids, oomKills(), processes);
    }

    // --- removal --------------------------------------------------------------------------------------

    /**
     * Kills whatever is left in the cgroup, waits until it is empty and removes every directory. Failures
     * are logged, not thrown: the task is deleted either way, and a leftover empty cgroup is harmless.
     */
    void remove() {
        closePeak();
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
