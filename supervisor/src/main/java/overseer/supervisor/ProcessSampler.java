package overseer.supervisor;

import overseer.core.OverseerException;
import overseer.core.ProcessStats;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Samples 0-core's {@link ProcessStats} of a whole process tree from /proc: the root process and every
 * descendant, found through the ppid links of /proc/PID/stat. Memory (rss, vms, swap from /proc/PID/status)
 * is summed over the tree as it is at the sample.
 * <p>
 * <b>Why a sampler is stateful.</b> The kernel does not give a CPU <em>percentage</em>, only CPU time used
 * so far (utime + stime, in clock ticks). A percentage needs two readings and the wall time between them,
 * so the sampler remembers the tree's CPU time and the time of its previous sample; each sample reports
 * the CPU used since the previous one, in percent of one core (200 = two cores busy). The first sample has
 * no previous one and reports the average since the root process started (its starttime in
 * /proc/PID/stat against /proc/uptime). Use one sampler per tree and sample it at the stats interval.
 * <p>
 * The tree's CPU time counts each process's own time plus the time of the children it has reaped
 * (cutime + cstime), so a short-lived child that starts and ends between two samples still counts (a shell
 * running many small commands), and a child's time is not lost when it exits and its parent waits for it.
 * A descendant that leaves the tree (re-parented to init after its parent exited) takes its time with it;
 * a delta that would come out negative then reports 0.
 * <p>
 * Clock ticks are USER_HZ, which the kernel ABI fixes at 100 on every architecture Overseer runs on
 * (x86-64, arm64, riscv64), whatever CONFIG_HZ is; so no {@code getconf CLK_TCK} is spawned.
 * <p>
 * Thread-safe: samples are serialised.
 */
public final class ProcessSampler {
    static final long CLOCK_TICKS = 100;

    private final Path proc;
    private final long root;
    private final LongSupplier nanoTime;
    private long previousTicks = -1;
    private long previousNanos;

    /** A sampler of the tree rooted at {@code pid}. */
    public ProcessSampler(long pid) {
        this(Path.of("/proc"), pid, System::nanoTime);
    }

    ProcessSampler(Path proc, long pid, LongSupplier nanoTime) {
        if (pid <= 0) {
            throw OverseerException.invalidArgument("pid: must be positive, got %d", pid);
        }
        this.proc = proc;
        this.root = pid;
        this.nanoTime = nanoTime;
    }

    public long pid() {
        return root;
    }

    /** The fields of /proc/PID/stat the sampler uses. */
    record Stat(long pid, long ppid, long ticks, long startTicks) {
    }

    /**
     * The stats of the tree now, with the root's pid; empty once the root process is gone (a zombie root
     * still counts: it is gone when it has been waited for).
     */
    public synchronized Optional<ProcessStats> sample() {
        long now = nanoTime.getAsLong();
        Map<Long, List<Stat>> children = new HashMap<>();
        Stat rootStat = null;
        for (Stat s : all()) {
            if (s.pid() == root) {
                rootStat = s;
            } else {
                children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s);
            }
        }
        if (rootStat == null) {
            return Optional.empty();
        }
        long ticks = 0;
        long rss = 0;
        long vms = 0;
        long swap = 0;
        ArrayDeque<Stat> todo = new ArrayDeque<>();
        todo.add(rootStat);
        while (!todo.isEmpty()) {
            Stat s = todo.poll();
            ticks += s.ticks();
            Memory m = memory(s.pid());
            rss += m.rss();
            vms += m.vms();
            swap += m.swap();
            todo.addAll(children.getOrDefault(s.pid(), List.of()));
        }
        double seconds;
        long used;
        if (previousTicks < 0) {
            seconds = uptimeSeconds() - (double) rootStat.startTicks() / CLOCK_TICKS;
            used = ticks;
        } else {
            seconds = (now - previousNanos) / 1e9;
            used = Math.max(0, ticks - previousTicks);
        }
        previousTicks = ticks;
        previousNanos = now;
        double cpu = seconds > 0 ? 100.0 * used / CLOCK_TICKS / seconds : 0;
        return Optional.of(new ProcessStats(root, cpu, rss, vms, swap));
    }

    private List<Stat> all() {
        List<Stat> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
                    stat(Long.parseLong(name)).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw OverseerException.unavailable("cannot list %s: %s", proc, e.getMessage());
        }
        return out;
    }

    Optional<Stat> stat(long pid) {
        String s;
        try {
            s = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"));
        } catch (IOException e) {
            return Optional.empty(); // exited meanwhile
        }
        return parseStat(pid, s);
    }

    /** Parses /proc/PID/stat; comm is in parentheses and may itself hold spaces and ')', so cut at the last ')'. */
    static Optional<Stat> parseStat(long pid, String s) {
        int close = s.lastIndexOf(')');
        if (close < 0 || close + 2 > s.length()) {
            return Optional.empty();
        }
        // after ") " come fields 3 (state), 4 (ppid), ... so field n is f[n - 3]
        String[] f = s.substring(close + 2).strip().split(" ");
        if (f.length < 20) {
            return Optional.empty();
        }
        try {
            long ppid = Long.parseLong(f[1]);
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) // utime, stime
                    + Long.parseLong(f[13]) + Long.parseLong(f[14]);  // cutime, cstime: reaped children
            return Optional.of(new Stat(pid, ppid, ticks, Long.parseLong(f[19]))); // starttime
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    record Memory(long rss, long vms, long swap) {
        static final Memory NONE = new Memory(0, 0, 0);
    }

    /** VmRSS, VmSize and VmSwap of /proc/PID/status in bytes; all 0 for a zombie or a process gone meanwhile. */
    Memory memory(long pid) {
        String s;
        try {
            s = Files.readString(proc.resolve(Long.toString(pid)).resolve("status"));
        } catch (IOException e) {
            return Memory.NONE;
        }
        return parseStatus(s);
    }

    static Memory parseStatus(String s) {
        long rss = 0;
        long vms = 0;
        long swap = 0;
        for (String line : s.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                rss = kilobytes(line);
            } else if (line.startsWith("VmSize:")) {
                vms = kilobytes(line);
            } else if (line.startsWith("VmSwap:")) {
                swap = kilobytes(line);
            }
        }
        return new Memory(rss, vms, swap);
    }

    private static long kilobytes(String line) {
        String[] f = line.substring(line.indexOf(':') + 1).strip().split("\\s+");
        try {
            return Long.parseLong(f[0]) * 1024;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private double uptimeSeconds() {
        try {
            String s = Files.readString(proc.resolve("uptime")).strip();
            return Double.parseDouble(s.substring(0, s.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            throw OverseerException.unavailable("cannot read %s/uptime: %s", proc, e.getMessage());
        }
    }
}
