package overseer.linux;

import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.Resources;
import overseer.linux.CgroupLayout.Controller;
import overseer.linux.CgroupLayout.Version;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@link Resources} as cgroup file writes, in the order the kernel accepts them: the mapping alone, each
 * limit through the version its controller lives on. It reads what decides a write (the memory+swap limit
 * in place, which IO weight file the scheduler offers) but writes nothing: {@link TaskCgroup} makes the writes.
 */
final class CgroupLimits {
    /** The CFS period; a quota of {@code cpus} cores is cpus × this. */
    static final long CPU_PERIOD_US = 100_000;
    /** The kernel's smallest CFS quota, 1 ms: 0.01 of a core over the period. */
    static final long CPU_MIN_QUOTA_US = 1_000;

    /** One write: {@code value} into {@code file}, for the spec's {@code field} (named when the kernel refuses it). */
    record Write(String field, Path file, String value) {
    }

    private final CgroupLayout layout;
    private final Map<Controller, Path> dirs;
    private final List<Write> out = new ArrayList<>();

    private CgroupLimits(CgroupLayout layout, Map<Controller, Path> dirs) {
        this.layout = layout;
        this.dirs = dirs;
    }

    /**
     * The writes that set every limit of {@code r}; a limit left empty is left as it is. UNAVAILABLE naming
     * the field when this host lacks its controller.
     */
    static List<Write> of(Resources r, CgroupLayout layout, Map<Controller, Path> dirs) {
        CgroupLimits m = new CgroupLimits(layout, dirs);
        r.cpus().ifPresent(m::cpus);
        r.cpuWeight().ifPresent(m::cpuWeight);
        r.memoryBytes().ifPresent(memory -> m.memory(memory, r.swapBytes()));
        r.pidsLimit().ifPresent(p -> m.add("resources.pidsLimit", m.dir("resources.pidsLimit", Controller.PIDS), "pids.max",
                Long.toString(p)));
        r.ioWeight().ifPresent(m::ioWeight);
        return List.copyOf(m.out);
    }

    /** systemd's mapping of cpu.weight to v1 cpu.shares: weight 100 (the default) is 1024 shares. */
    static long cpuShares(int weight) {
        return Math.clamp(weight * 1024L / 100, 2, 262_144);
    }

    /** v2 io.weight 1..10000 onto v1 blkio.weight 10..1000, as runc maps them the other way. */
    static long blkioWeight(int weight) {
        return 10 + (weight - 1) * 990L / 9999;
    }

    private void cpus(double cores) {
        long quota = Math.max(CPU_MIN_QUOTA_US, Math.round(cores * CPU_PERIOD_US));
        Path d = dir("resources.cpus", Controller.CPU);
        if (v2(Controller.CPU)) {
            add("resources.cpus", d, "cpu.max", quota + " " + CPU_PERIOD_US);
        } else {
            add("resources.cpus", d, "cpu.cfs_period_us", Long.toString(CPU_PERIOD_US));
            add("resources.cpus", d, "cpu.cfs_quota_us", Long.toString(quota));
        }
    }

    private void cpuWeight(int w) {
        Path d = dir("resources.cpuWeight", Controller.CPU);
        if (v2(Controller.CPU)) {
            add("resources.cpuWeight", d, "cpu.weight", Integer.toString(w));
        } else {
            add("resources.cpuWeight", d, "cpu.shares", Long.toString(cpuShares(w)));
        }
    }

    private void memory(long memory, OptionalLong swap) {
        Path d = dir("resources.memoryBytes", Controller.MEMORY);
        if (v2(Controller.MEMORY)) {
            add("resources.memoryBytes", d, "memory.max", Long.toString(memory));
            // v2 limits swap alone; Overseer's swapBytes is docker's memory plus swap.
            swap.ifPresent(s -> add("resources.swapBytes", d, "memory.swap.max", Long.toString(s - memory)));
            return;
        }
        if (swap.isEmpty()) {
            add("resources.memoryBytes", d, "memory.limit_in_bytes", Long.toString(memory));
            return;
        }
        // v1 refuses a memory+swap limit below the memory limit at any moment: raise memsw first, lower it last.
        long s = swap.getAsLong();
        boolean raising = s >= CgroupFs.readLong(d.resolve("memory.memsw.limit_in_bytes"), Long.MAX_VALUE);
        if (raising) {
            add("resources.swapBytes", d, "memory.memsw.limit_in_bytes", Long.toString(s));
        }
        add("resources.memoryBytes", d, "memory.limit_in_bytes", Long.toString(memory));
        if (!raising) {
            add("resources.swapBytes", d, "memory.memsw.limit_in_bytes", Long.toString(s));
        }
    }

    private void ioWeight(int w) {
        Path d = dir("resources.ioWeight", Controller.IO);
        List<Path> tried = new ArrayList<>();
        if (v2(Controller.IO)) {
            Path weight = d.resolve("io.weight");
            if (Files.exists(weight)) {
                add("resources.ioWeight", d, "io.weight", "default " + w);
                return;
            }
            tried.add(weight);
        }
        // v1, or a v2 io controller without iocost: the scheduler's own weight (CFQ, BFQ), 10..1000.
        for (String f : List.of("blkio.weight", "blkio.bfq.weight", "io.bfq.weight")) {
            Path p = d.resolve(f);
            if (Files.exists(p)) {
                add("resources.ioWeight", d, f, Long.toString(blkioWeight(w)));
                return;
            }
            tried.add(p);
        }
        throw OverseerException.aboutField(ErrorKind.UNAVAILABLE, "resources.ioWeight", "the IO scheduler takes no weight here (none of %s exists)",
                tried.stream().map(p -> p.getFileName().toString()).toList());
    }

    private boolean v2(Controller c) {
        return layout.version(c) == Version.V2;
    }

    private Path dir(String field, Controller c) {
        Path d = dirs.get(c);
        if (d == null) {
            throw OverseerException.aboutField(ErrorKind.UNAVAILABLE, field, "this host has no %s controller", c.word());
        }
        return d;
    }

    private void add(String field, Path dir, String file, String value) {
        out.add(new Write(field, dir.resolve(file), value));
    }
}
