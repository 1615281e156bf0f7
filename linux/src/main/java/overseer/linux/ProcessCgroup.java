package overseer.linux;

import overseer.core.ProcessInfo;
import overseer.core.TaskStats;
import overseer.linux.CgroupLayout.Controller;
import overseer.linux.CgroupLayout.Version;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cgroups another program put a process in (an OCI runtime its container's init), found from
 * /proc/PID/cgroup and read with the native runtime's own counters, so that every {@link TaskStats} field
 * means the same whichever runtime made the task. On a host with v1 controllers the v1 hierarchies are read
 * (a hybrid host's controller-less v2 tree counts nothing); on a pure v2 host, the v2 cgroup.
 */
public final class ProcessCgroup {
    private static final class Host {
        static final CgroupLayout LAYOUT = CgroupLayout.detect();
    }

    private final TaskCgroup cgroup;

    private ProcessCgroup(TaskCgroup cgroup) {
        this.cgroup = cgroup;
    }

    /** The cgroups of {@code pid}; empty when it is gone or this host has no cgroups. */
    public static Optional<ProcessCgroup> of(long pid) {
        return of(Host.LAYOUT, pid);
    }

    static Optional<ProcessCgroup> of(CgroupLayout hostLayout, long pid) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"));
        } catch (IOException gone) {
            return Optional.empty();
        }
        CgroupLayout layout = hostLayout.v1().isEmpty() ? hostLayout : hostLayout.withoutV2();
        Optional<Path> v2 = layout.v2().flatMap(v -> member(lines, "").map(p -> under(v.mount(), p)));
        Map<Controller, Path> dirs = new EnumMap<>(Controller.class);
        for (Controller c : Controller.values()) {
            switch (layout.version(c)) {
                case V1 -> member(lines, c.v1Name).ifPresent(p -> dirs.put(c, under(layout.v1().get(c), p)));
                case V2 -> v2.ifPresent(d -> dirs.put(c, d));
                case NONE -> {
                }
            }
        }
        // A process outside some hierarchy (a kernel without it, a race with its exit) is not one to read.
        boolean complete = Arrays.stream(Controller.values()).allMatch(c -> layout.version(c) != Version.V1 || dirs.containsKey(c));
        if (dirs.isEmpty() && v2.isEmpty() || !complete) {
            return Optional.empty();
        }
        return Optional.of(new ProcessCgroup(new TaskCgroup(layout, "process " + pid, dirs, v2)));
    }

    /**
     * The cgroup path of the line of /proc/PID/cgroup for the v1 {@code controller}, or for v2 when it is
     * empty: "4:cpu,cpuacct:/overseer/ns/id", "0::/overseer/ns/id".
     */
    private static Optional<String> member(List<String> lines, String controller) {
        for (String line : lines) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && (controller.isEmpty() ? f[1].isEmpty() : List.of(f[1].split(",")).contains(controller))) {
                return Optional.of(f[2]);
            }
        }
        return Optional.empty();
    }

    private static Path under(Path mount, String cgroupPath) {
        return mount.resolve(cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath);
    }

    /** Every live process in the cgroup, whatever its process group or session. */
    public List<ProcessInfo> processes() {
        return ProcFs.live(cgroup.procs());
    }

    /** The cgroup's counters with each process's figures from {@code sampler} (CPU since its previous sample). */
    public TaskStats stats(ProcessSampler sampler) {
        return cgroup.stats(sampler.sample(cgroup.procs()).stream().map(ProcessSampler.Sample::stats).toList());
    }
}
