package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.wire.ServiceSpec;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * kill -9 of the daemon during 500 concurrent creates and starts, native and isolated: after the restart
 * every acknowledged create is there, and every process the daemons spawned belongs to a task (its pid is a task's pid),
 * including one spawned just before the crash whose pid was not written yet.
 */
class CrashDuringCreatesIT {
    private static final int TASKS = 500;
    private static final int BASE = 700_000; // `sleep 700000+i`: each task's process is told apart by its argument
    @TempDir
    Path dir;
    private RealDaemon daemon;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "every daemon task gets a cgroup, which needs root");
        daemon = new RealDaemon(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon == null) {
            return;
        }
        daemon.close();
        for (long pid : sleepers().keySet()) { // whatever a failed run left
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        }
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
        boolean oci = Files.isExecutable(Path.of("/usr/bin/conmon"));
        OverseerClient c = daemon.start("--runtime", oci ? "both" : "native");

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicBoolean crashed = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            callers.add(Thread.ofVirtual().start(() -> {
                for (int i = next.getAndIncrement(); i < TASKS && !crashed.get(); i = next.getAndIncrement()) {
                    String id = "c" + i;
                    try {
                        TaskSpec t = TaskSpec.of(id, ProcessSpec.of("/bin/sleep", Integer.toString(BASE + i)));
                        // One in ten isolated (OCI under conmon), where it runs: its acknowledged creates too.
                        c.createTask("default", ServiceSpec.of(oci && i % 10 == 0 ? t.withIsolation(overseer.core.Isolation.DEFAULT) : t));
                        acknowledged.add(id);
                        c.start("default", id);
                    } catch (RuntimeException daemonDown) {
                        // the crash: later creates are refused, which is fine; none acknowledged may be lost
                    }
                }
            }));
        }
        await().atMost(RealDaemon.WAIT).until(() -> acknowledged.size() >= TASKS / 2);
        crashed.set(true); // the callers stop after the request they are in: those are the ones the crash cuts
        daemon.crash();
        for (Thread t : callers) {
            t.join(RealDaemon.WAIT);
        }

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
