package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A daemon as a real JVM in a temporary directory, and the verbs, each a real JVM, run against it. */
abstract class CliFixture {
    protected static final AtomicInteger IDS = new AtomicInteger();
    @TempDir
    Path dir;
    protected Tasks tasks;
    protected Task daemon;

    /** The cgroup parents of this test's daemons, removed after it. */
    private final List<String> cgroupParents = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void startDaemon() {
        tasks = new Tasks(new NativeRuntime());
        daemon = jvm("daemon", "--socket", sock().toString(), "--state-dir", dir.resolve("state").toString(), "--stop-tasks",
                "--cgroup-parent", newCgroupParent());
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(sock()));
    }

    @AfterEach
    void stop() throws java.io.IOException {
        try {
            tasks.close();
        } finally {
            // even when a JVM would not close: what its daemons left in the cgroups is killed and removed
            java.io.IOException failed = null;
            for (String parent : cgroupParents) {
                try {
                    RealDaemon.removeCgroupParent(parent);
                } catch (java.io.IOException | RuntimeException e) {
                    if (failed == null) {
                        failed = new java.io.IOException("cgroup parent " + parent + ": " + e.getMessage(), e);
                    } else {
                        failed.addSuppressed(e);
                    }
                }
            }
            if (failed != null) {
                throw failed;
            }
        }
    }

    /**
     * A cgroup parent of this test's own, for a daemon it starts: with the default one, two runs at once (or
     * two daemons of one test) would share a task's cgroup ("overseer/default/web"), and one's kill would
     * kill the other's processes.
     */
    protected String newCgroupParent() {
        String parent = "overseer-test-cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        cgroupParents.add(parent);
        return parent;
    }

    protected Path sock() {
        return dir.resolve("ov.sock");
    }

    protected Task jvm(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("cli-" + IDS.incrementAndGet(), ProcessSpec.builder(cmd).captureOutput().build()));
    }

    /** Runs a verb against the daemon; returns its stdout lines after checking its exit code. */
    protected List<String> verb(int expectedExit, String... args) throws InterruptedException {
        return ran(expectedExit, args).output().tail(LogStream.STDOUT).lines();
    }

    /** Runs a verb that must end with {@code expectedExit}; returns its stderr. */
    protected String stderr(int expectedExit, String... args) throws InterruptedException {
        return String.join("\n", ran(expectedExit, args).output().tail(LogStream.STDERR).lines());
    }

    /** The verb's JVM, run to its end against the daemon, its exit code checked. */
    protected Task ran(int expectedExit, String... args) throws InterruptedException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--socket");
        all.add(2, sock().toString());
        Task t = jvm(all.toArray(String[]::new));
        Exit exit = t.await();
        t.output().drained().join();
        assertThat(exit.exitCode()).as("%s: %s", all, t.output().tail(LogStream.STDERR).lines()).isEqualTo(expectedExit);
        return t;
    }

}
