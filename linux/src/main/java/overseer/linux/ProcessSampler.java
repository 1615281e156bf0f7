package overseer.linux;

import overseer.core.ProcessStats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * 0-core's ProcessStats for the processes of one task. CPU is a percentage of one core since the previous
 * sample of the same process, or since the process started for its first sample. The kernel counts CPU in
 * clock ticks (10 ms), so a sample less than {@link #MIN_INTERVAL_NS} after the previous one is measured
 * from the one before instead of reading as 0 %. One per task: every runtime samples through one, so
 * {@link ProcessStats#cpu()} means the same whichever made the task.
 */
public final class ProcessSampler {
    private static final long MIN_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    /** A baseline: CPU used at a moment; {@code startedNs} tells a process from a later one with its pid. */
    private record Seen(long cpuNs, long atNanoTime, long startedNs) {
    }

    /** One process's figures plus its CPU time, which a task without a cgroup sums. */
    record Sample(ProcessStats stats, long cpuNs) {
    }

    private final Map<Long, Seen> previous = new HashMap<>();

    public ProcessSampler() {
    }

    synchronized List<Sample> sample(List<Long> pids) {
        long now = System.nanoTime();
        Map<Long, Seen> next = new HashMap<>();
        List<Sample> out = new ArrayList<>();
        for (long pid : pids) {
            Optional<ProcFs.Usage> u = ProcFs.usage(pid);
            if (u.isEmpty()) {
                continue;
            }
            ProcFs.Usage usage = u.get();
            Seen before = previous.get(pid);
            long cpuSince;
            long wall;
            if (before == null || before.startedNs() != usage.startedNs()) {
                cpuSince = usage.cpuNs();
                wall = ProcFs.uptimeNs() - usage.startedNs();
                before = new Seen(0, now - wall, usage.startedNs());
            } else {
                cpuSince = usage.cpuNs() - before.cpuNs();
                wall = now - before.atNanoTime();
            }
            double cpu = wall > 0 ? Math.max(0, cpuSince) * 100.0 / wall : 0;
            next.put(pid, wall >= MIN_INTERVAL_NS ? new Seen(usage.cpuNs(), now, usage.startedNs()) : before);
            out.add(new Sample(new ProcessStats(pid, cpu, usage.rss(), usage.vms(), usage.swap()), usage.cpuNs()));
        }
        previous.clear();
        previous.putAll(next);
        return out;
    }
}
