package overseer.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** What a failed test leaves in its cgroups is killed, and the directories removed, deepest first. */
class CgroupCleanupIT {
    @Test
    void processesLeftInTheParentAndItsChildrenAreKilledAndTheDirectoriesRemoved() throws Exception {
        String parent = "overseer-test-cleanup-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        List<Path> hierarchies = new ArrayList<>();
        for (String h : List.of("pids", "unified")) {
            Path root = Path.of("/sys/fs/cgroup", h);
            if (Files.isWritable(root.resolve("cgroup.procs"))) {
                hierarchies.add(root);
            }
        }
        if (hierarchies.isEmpty() && Files.isWritable(Path.of("/sys/fs/cgroup/cgroup.procs"))) {
            hierarchies.add(Path.of("/sys/fs/cgroup")); // cgroup v2 alone
        }
        assumeThat(hierarchies).as("needs a writable cgroup hierarchy").isNotEmpty();
        List<Process> left = new ArrayList<>();
        try {
            for (Path h : hierarchies) {
                Path deep = Files.createDirectories(h.resolve(parent).resolve("ns").resolve("task"));
                for (Path cgroup : List.of(deep, h.resolve(parent))) {
                    Process p = new ProcessBuilder("/bin/sleep", "100000").start();
                    left.add(p);
                    Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(p.pid()));
                }
            }
            RealDaemon.removeCgroupParent(parent);
            for (Path h : hierarchies) {
                assertThat(h.resolve(parent)).as("removed from %s", h).doesNotExist();
            }
            for (Process p : left) {
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("pid %d killed", p.pid()).isTrue();
                assertThat(p.exitValue()).isEqualTo(137);
            }
        } finally {
            for (Process p : left) {
                p.destroyForcibly(); // only if the cleanup under test did not: a process of this JVM's, not yet reaped
            }
            for (Path h : hierarchies) {
                try (var dirs = Files.walk(h.resolve(parent))) {
                    for (Path d : dirs.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(d);
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // removed by the cleanup under test
                }
            }
        }
    }
}
