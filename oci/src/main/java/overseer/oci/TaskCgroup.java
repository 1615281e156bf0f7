package overseer.oci;

import overseer.core.ProcessInfo;
import overseer.core.ProcessStats;
import overseer.core.TaskStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A task's cgroup, found from its init process's /proc/PID/cgroup, read directly: the same for runc and crun,
 * for cgroup v1 and v2, and no runtime process to start for a figure.
 */
record TaskCgroup(Optional<Path> pids, Optional<Path> memory, Optional<Path> cpu, Optional<Path> cpuacct, Optional<Path> unified) {
    private static final long UNLIMITED = Long.MAX_VALUE / 2;

    static TaskCgroup of(long pid) {
        Optional<Path> v2 = Cgroups.of(pid, "");
        boolean v2only = "v2".equals(Cgroups.mode());
        return new TaskCgroup(v2only ? v2 : Cgroups.of(pid, "pids"), v2only ? v2 : Cgroups.of(pid, "memory"),
                v2only ? v2 : Cgroups.of(pid, "cpu"), v2only ? v2 : Cgroups.of(pid, "cpuacct"), v2only ? v2 : Optional.empty());
    }

    /** Every process in the cgroup. */
    List<Long> procs() {
        List<Long> out = new ArrayList<>();
        pids.flatMap(d -> Files2.read(d.resolve("cgroup.procs"))).ifPresent(s -> s.lines().filter(l -> !l.isBlank())
                .forEach(l -> out.add(Long.parseLong(l.strip()))));
        return out;
    }

    TaskStats stats(List<ProcessInfo> processes) {
        boolean v2 = unified.isPresent();
        long cpuNs = v2 ? keyed(cpu, "cpu.stat", "usage_usec") * 1000 : number(cpuacct, "cpuacct.usage");
        long throttledNs = v2 ? keyed(cpu, "cpu.stat", "throttled_usec") * 1000 : keyed(cpu, "cpu.stat", "throttled_time");
        long periods = keyed(cpu, "cpu.stat", "nr_throttled");
        long mem = number(memory, v2 ? "memory.current" : "memory.usage_in_bytes");
        long peak = number(memory, v2 ? "memory.peak" : "memory.max_usage_in_bytes");
        long limit = number(memory, v2 ? "memory.max" : "memory.limit_in_bytes");
        long oom = keyed(memory, v2 ? "memory.events" : "memory.oom_control", "oom_kill");
        long pidCount = number(pids, "pids.current");
        List<ProcessStats> per = new ArrayList<>();
        for (ProcessInfo p : processes) {
            processStats(p.pid()).ifPresent(per::add);
        }
        return new TaskStats(cpuNs, throttledNs, periods, mem, peak, limit < 0 || limit >= UNLIMITED ? -1 : limit,
                pidCount, Math.max(0, oom), per);
    }

    private static long number(Optional<Path> dir, String file) {
        return dir.flatMap(d -> Files2.read(d.resolve(file))).map(s -> s.equals("max") ? -1 : parse(s)).orElse(0L);
    }

    private static long keyed(Optional<Path> dir, String file, String key) {
        return dir.flatMap(d -> Files2.read(d.resolve(file))).flatMap(s -> s.lines()
                .filter(l -> l.startsWith(key + " ")).findFirst()).map(l -> parse(l.substring(key.length() + 1).strip())).orElse(0L);
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // a limit larger than a long: unlimited
        }
    }

    /** 0-core's figures for one process: CPU since it started, resident, virtual and swapped memory. */
    private static Optional<ProcessStats> processStats(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = 100; // USER_HZ on Linux
            double cpuSeconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) ticks;
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            double age = uptime - Long.parseLong(f[19]) / (double) ticks;
            long rss = 0;
            long vms = 0;
            long swap = 0;
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    rss = kib(l);
                } else if (l.startsWith("VmSize:")) {
                    vms = kib(l);
                } else if (l.startsWith("VmSwap:")) {
                    swap = kib(l);
                }
            }
            return Optional.of(new ProcessStats(pid, age > 0 ? 100 * cpuSeconds / age : 0, rss, vms, swap));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // it exited meanwhile
        }
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
