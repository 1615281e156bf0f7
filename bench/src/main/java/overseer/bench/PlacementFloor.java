package overseer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The floor under a daemon task's start, in C: moving a process into a cgroup (the gate's, or a spawning
 * thread's, write to cgroup.procs) at several gaps since the previous move, in the v2 tree and two v1
 * hierarchies, with the cgroup2 mount's options (favordynmods or not), beside a child cloned straight into a v2
 * cgroup (CLONE_INTO_CGROUP, as libspawn spawns); and creating a task's log file on the state directory's file
 * system against tmpfs. See docs/benchmarks.md §17 and §22.
 *
 * <pre>bench/run.sh probe placement [N]</pre>
 */
public final class PlacementFloor {
    private PlacementFloor() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        System.out.println("PlacementFloor: " + Machine.now().describe());
        System.out.println("cgroup2 mount: " + cgroup2Options());
        try (CProgram c = CProgram.compile("placefloor")) {
            for (String h : List.of("/sys/fs/cgroup/unified", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/memory")) {
                if (!Files.isDirectory(Path.of(h))) {
                    continue;
                }
                for (int gap : new int[] {0, 2_000, 20_000}) {
                    System.out.printf("%-24s gap %6d us  %s", h, gap, c.run("migrate", h, Integer.toString(gap), Integer.toString(n)));
                    if (h.endsWith("unified")) { // a clone can enter a v2 cgroup only
                        System.out.printf("%-24s gap %6d us  %s", h, gap, c.run("clone", h, Integer.toString(gap), Integer.toString(n)));
                    }
                }
            }
            Path disk = Files.createTempDirectory("overseer-placefloor");
            Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "overseer-placefloor");
            try {
                System.out.printf("%-24s %s", disk, c.run("create", disk.toString(), "300"));
                System.out.printf("%-24s %s", shm, c.run("create", shm.toString(), "300"));
            } finally {
                Files.deleteIfExists(disk);
                Files.deleteIfExists(shm);
            }
        }
    }

    /** The options of the cgroup2 mount, from /proc/self/mounts. */
    private static String cgroup2Options() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" "))
                .filter(f -> f.length > 3 && f[2].equals("cgroup2")).map(f -> f[1] + " " + f[3]).findFirst().orElse("none");
    }
}
