package overseer.oci;

import overseer.core.Isolation;
import overseer.core.OverseerException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the oci tests share: a state directory per runtime under /run/overseer-test-PID, the skip (with the
 * reason) where isolated tasks cannot run, and the clean-up that leaves no container, cgroup or file behind.
 */
final class OciTesting {
    static final Path ROOT = Path.of("/run/overseer-test-" + ProcessHandle.current().pid());
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private OciTesting() {
    }

    /** Skips the calling test, saying why, unless this host can run isolated tasks (root, conmon, a runtime). */
    static void assumeUsable() {
        assumeTrue(isRoot(), "isolated tasks need root; this test runs as uid " + uid());
        assumeTrue(RuntimeProbe.which("conmon").isPresent(), "conmon is not installed (apt-get install conmon)");
        assumeTrue(RuntimeProbe.which("runc").isPresent() || RuntimeProbe.which("crun").isPresent(),
                "neither runc nor crun is installed (apt-get install runc crun)");
    }

    /**
     * What watches the container process {@code pid}: "overseer-monitor" or "conmon", from its parent's program
     * (overseer-monitor runs from a memfd of that name).
     */
    static String monitorOf(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String ppid = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
        String exe = Files.readSymbolicLink(Path.of("/proc", ppid, "exe")).toString();
        return exe.contains("overseer-monitor") ? "overseer-monitor" : exe.endsWith("/conmon") ? "conmon" : exe;
    }

    /** A fresh state directory for one runtime. */
    static Path stateDir() {
        return ROOT.resolve(Integer.toString(SEQUENCE.incrementAndGet()));
    }

    /** The cgroup parent of every test task: one per test JVM, so that a leftover is easy to find. */
    static final String CGROUP_PARENT = "/overseer-test-" + ProcessHandle.current().pid();

    static OciRuntime.Builder builder(String runtime) {
        return OciRuntime.builder().stateDir(stateDir()).cgroupParent(CGROUP_PARENT).runtime(runtime);
    }

    static OciRuntime.Builder builder() {
        return builder("auto");
    }

    /**
     * Isolation for the runtime contract: its tests name host paths (temporary directories as working
     * directories and programs) and host pids (printed by the process itself), so this task shares the host's
     * /tmp and its pid namespace; everything else stays isolated.
     */
    static Isolation hostLike() {
        return Isolation.builder().without(Isolation.Namespace.PID)
                .mount(Isolation.Mount.bind(Path.of("/tmp"), Path.of("/tmp"), false)).build();
    }

    /** Kills and removes whatever the tests left under every state directory, then the directories. */
    static void destroyAll() {
        if (!Files.isDirectory(ROOT)) {
            return;
        }
        try (var dirs = Files.list(ROOT)) {
            for (Path d : dirs.toList()) {
                for (String runtime : new String[] {"runc", "crun"}) {
                    try {
                        OciRuntime rt = OciRuntime.builder().stateDir(d).cgroupParent(CGROUP_PARENT).runtime(runtime).build();
                        rt.destroyAll();
                        rt.close();
                    } catch (OverseerException e) {
                        // that runtime does not work here: it started nothing either
                    }
                }
                Files2.deleteTree(d);
            }
        } catch (IOException e) {
            // nothing there
        }
        Files2.deleteTree(ROOT);
    }

    /** The cgroup directories of the test tasks that are still there (after destroyAll: none). */
    /** The monitors (overseer-monitor or conmon) still running for a state directory of this JVM's tests. */
    static java.util.List<Long> leftoverMonitors() {
        try (var procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).filter(p -> {
                try {
                    String exe = Files.readSymbolicLink(p.resolve("exe")).toString();
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), java.nio.charset.StandardCharsets.UTF_8);
                    return (exe.contains("overseer-monitor") || exe.endsWith("/conmon")) && cmdline.contains(ROOT + "/");
                } catch (IOException | RuntimeException gone) {
                    return false;
                }
            }).map(p -> Long.parseLong(p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static java.util.List<Path> leftoverCgroups() {
        return Cgroups.directories(CGROUP_PARENT).stream().filter(Files::exists).toList();
    }

    static boolean isRoot() {
        return uid().equals("0");
    }

    private static String uid() {
        return Files2.read(Path.of("/proc/self/status")).flatMap(s -> s.lines().filter(l -> l.startsWith("Uid:")).findFirst())
                .map(l -> l.split("\\s+")[1]).orElse("?");
    }
}
