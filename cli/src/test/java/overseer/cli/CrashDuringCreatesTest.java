package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import overseer.wire.ServiceSpec;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * kill -9 of the daemon during 500 concurrent creates and starts: after the restart every acknowledged
 * create is there, and every process the daemons spawned belongs to a task (its pid is a task's pid),
 * including one spawned just before the crash whose pid was not written yet.
 */
class CrashDuringCreatesTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int TASKS = 500;
    private static final int BASE = 700_000; // `sleep 700000+i`: each task's process is told apart by its argument
    @TempDir
    Path dir;
    private Tasks jvms;
    private Task monitor;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "every daemon task gets a cgroup, which needs root");
        jvms = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (jvms == null) {
            return;
        }
        try {
            if (monitor != null && monitor.exit().isEmpty()) {
                // The daemon stops; its monitor would wait for the sleeps to end: a second SIGTERM ends it now.
                long daemon = Long.parseLong(Files.readString(dir.resolve("st/daemon.pid")).strip());
                monitor.kill(Signal.SIGTERM, false);
                await().atMost(WAIT).until(() -> ProcessHandle.of(daemon).isEmpty());
                monitor.kill(Signal.SIGTERM, false);
                monitor.await(WAIT);
                Task cleaner = jvms.run(TaskSpec.of("cleaner", ProcessSpec.builder(daemonCommand("--stop-tasks")).build()));
                OverseerClient c = new OverseerClient(dir.resolve("d.sock"));
                await().atMost(WAIT).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
                cleaner.kill(Signal.SIGTERM, false);
                cleaner.await(WAIT);
            }
            for (long pid : sleepers().keySet()) { // whatever a failed run left
                new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            }
        } finally {
            jvms.close();
        }
    }

    private List<String> daemonCommand(String... more) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "daemon",
                "--socket", dir.resolve("d.sock").toString(), "--state-dir", dir.resolve("st").toString(), "--runtime", "native"));
        cmd.addAll(List.of(more));
        return cmd;
    }

    /** This test's sleep processes on the host, by pid, with their task number. */
    private static Map<Long, Integer> sleepers() throws IOException {
        Map<Long, Integer> out = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    String[] argv = Files.readString(p.resolve("cmdline")).split("\0");
                    if (argv.length == 2 && argv[0].equals("/bin/sleep") && argv[1].matches("7\\d{5}")) {
                        out.put(Long.parseLong(p.getFileName().toString()), Integer.parseInt(argv[1]) - BASE);
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            });
        }
        return out;
    }

    @Test
    void everyAcknowledgedCreateAndEverySpawnedProcessIsAccountedFor() throws Exception {
        monitor = jvms.run(TaskSpec.of("monitor", ProcessSpec.builder(daemonCommand()).build()));
        OverseerClient c = new OverseerClient(dir.resolve("d.sock"));
        await().atMost(WAIT).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
        long daemon = Long.parseLong(Files.readString(dir.resolve("st/daemon.pid")).strip());

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            callers.add(Thread.ofVirtual().start(() -> {
                for (int i = next.getAndIncrement(); i < TASKS; i = next.getAndIncrement()) {
                    String id = "c" + i;
                    try {
                        c.createTask("default", ServiceSpec.of(TaskSpec.of(id, ProcessSpec.of("/bin/sleep", Integer.toString(BASE + i)))));
                        acknowledged.add(id);
                        c.start("default", id);
                    } catch (RuntimeException daemonDown) {
                        // the crash: later creates are refused, which is fine; none acknowledged may be lost
                    }
                }
            }));
        }
        await().atMost(WAIT).until(() -> acknowledged.size() >= TASKS / 2);
        assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(daemon)).start().waitFor()).isZero();
        for (Thread t : callers) {
            t.join(WAIT);
        }
        await().atMost(WAIT).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok")
                && Long.parseLong(Files.readString(dir.resolve("st/daemon.pid")).strip()) != daemon);

        Map<String, JsonNode> listed = new HashMap<>();
        c.tasks("default").forEach(t -> listed.put(t.get("id").asString(), t));
        assertThat(listed.keySet()).as("every acknowledged create").containsAll(acknowledged);
        Map<Long, String> pids = new HashMap<>();
        listed.forEach((id, t) -> pids.put(t.get("pid").asLong(), id));
        sleepers().forEach((pid, i) -> assertThat(pids.get(pid)).as("the process of task c%d (pid %d)", i, pid).isEqualTo("c" + i));
        // No task that runs is reported ended: an exit is only ever "unknown" for a start caught by the crash
        // before its process could be found (none of this test's sleeps ends on its own).
        long unknown = listed.values().stream().filter(t -> t.has("exit")).count();
        assertThat(unknown).as("starts in flight at the crash, 8 callers").isLessThanOrEqualTo(8);
    }
}
