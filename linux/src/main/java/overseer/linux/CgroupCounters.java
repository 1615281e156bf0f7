package overseer.linux;

import overseer.core.ProcessStats;
import overseer.core.TaskStats;
import overseer.linux.CgroupLayout.Controller;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * What one task's cgroups count: CPU, throttling, memory now and at its peak, the limit, pids, OOM kills,
 * each read through the version its controller lives on, with one "unlimited" marker for all (-1).
 */
final class CgroupCounters {
    private static final System.Logger LOG = System.getLogger(CgroupCounters.class.getName());
    /** cgroup v1 writes "no limit" as the largest page-aligned long; anything this large is unlimited. */
    private static final long V1_UNLIMITED = 1L << 62;

    private final CgroupLayout layout;
    private final Map<Controller, Path> dirs;
    private final Optional<Path> v2;
    private final IntSupplier processCount;
    private final String name;
    /** memory.peak held open: on cgroup v2 a write resets the peak as seen through that descriptor only. */
    private FileChannel peak;

    CgroupCounters(CgroupLayout layout, Map<Controller, Path> dirs, Optional<Path> v2, IntSupplier processCount, String name) {
        this.layout = layout;
        this.dirs = dirs;
        this.v2 = v2;
        this.processCount = processCount;
        this.name = name;
    }

    /** CPU time used by every process of the task, ever. */
    long cpuUsageNs() {
        return switch (layout.version(Controller.CPUACCT)) {
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
        Path m = dirs.get(Controller.MEMORY);
        return switch (layout.version(Controller.MEMORY)) {
            case V2 -> CgroupFs.readKeyed(m.resolve("memory.events")).getOrDefault("oom_kill", 0L);
            case V1 -> CgroupFs.readKeyed(m.resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
            case NONE -> 0;
        };
    }

    /** Starts measuring peak memory afresh (a new freeze/thaw cycle). */
    synchronized void resetPeak() {
        Path d = dirs.get(Controller.MEMORY);
        switch (layout.version(Controller.MEMORY)) {
            case V1 -> {
                try {
                    CgroupFs.write(d.resolve("memory.max_usage_in_bytes"), "0");
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot reset the peak memory of " + name + ": " + CgroupFs.reason(e));
                }
            }
            case V2 -> {
                close();
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
        return switch (layout.version(Controller.MEMORY)) {
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

    /** Lets go of the peak descriptor (the cgroup is about to be removed). */
    synchronized void close() {
        if (peak != null) {
            try {
                peak.close();
            } catch (IOException ignored) {
                // nothing to flush
            }
            peak = null;
        }
    }

    /**
     * The cgroup's half of {@link TaskStats}, with {@code processes} as the per-process half; where no cgroup
     * counts CPU or memory, the processes' own sums ({@code processCpuNs}, {@code processRss}) stand in.
     */
    TaskStats stats(List<ProcessStats> processes, long processCpuNs, long processRss) {
        long throttledNs = 0;
        long throttledPeriods = 0;
        switch (layout.version(Controller.CPU)) {
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
        long usage = processRss;
        long limit = -1;
        Path m = dirs.get(Controller.MEMORY);
        switch (layout.version(Controller.MEMORY)) {
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
        long pids = layout.version(Controller.PIDS) != CgroupLayout.Version.NONE
                ? CgroupFs.readLong(dirs.get(Controller.PIDS).resolve("pids.current"), 0) : processCount.getAsInt();
        boolean cpuCounted = layout.version(Controller.CPUACCT) != CgroupLayout.Version.NONE || v2.isPresent();
        return new TaskStats(cpuCounted ? cpuUsageNs() : processCpuNs, throttledNs, throttledPeriods, usage, peakBytes(),
                limit, pids, oomKills(), processes);
    }
}
