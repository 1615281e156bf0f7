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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The daemon is SIGKILLed with 50 durable (OCI, under conmon) tasks; half of them exit while it is down.
 * After a restart every task is accounted for with its true exit code, and the exits it missed are
 * published (a late subscriber gets them with ?since=0).
 */
class DaemonRecoveryIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TASKS = 50;
    @TempDir
    Path dir;
    private Tasks jvms;
    private Task daemon;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "durable tasks run on runc/crun, which needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        jvms = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (jvms == null) {
            return;
        }
        try {
            if (daemon != null && daemon.exit().isEmpty()) {
                daemon.kill(Signal.SIGTERM, false); // --stop-tasks: the daemon stops and deletes every task
                daemon.await(Duration.ofSeconds(60));
            } else if (daemon != null) {
                // Failed while no daemon ran: one more takes the tasks back, and stops and deletes them.
                Task cleaner = startDaemon();
                cleaner.kill(Signal.SIGTERM, false);
                cleaner.await(Duration.ofSeconds(60));
            }
        } finally {
            jvms.close();
        }
    }

    private Task startDaemon() {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "daemon", "--socket", sock().toString(), "--state-dir", dir.resolve("st").toString(),
                "--runtime", "oci", "--stop-tasks"));
        Task t = jvms.run(TaskSpec.of("daemon-" + System.nanoTime(), ProcessSpec.builder(cmd).build()));
        OverseerClient c = new OverseerClient(sock());
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
        return t;
    }

    private Path sock() {
        return dir.resolve("d.sock");
    }

    @Test
    void killMinusNineWithFiftyDurableTasks() throws Exception {
        daemon = startDaemon();
        OverseerClient client = new OverseerClient(sock());
        for (int i = 0; i < TASKS; i++) {
            // An odd task's sleep names it (`sleep 2.09` is t9's), so that the host's /proc tells which still run.
            String script = i % 2 == 0 ? "exec sleep 31337" : "sleep " + oddSleep(i) + "; exit " + i;
            client.createTask("default", JSON.readTree("{\"id\": \"t" + i + "\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \""
                    + script + "\"]}}"));
            client.start("default", "t" + i);
        }
        // What this daemon certainly published (its replay from 0, up to a marker made now): never again by the next.
        java.util.Set<String> publishedBefore = new java.util.TreeSet<>(exitsReplayed(client, "marker-before").keySet());
        daemon.kill(Signal.SIGKILL, false);
        daemon.await();
        // What certainly ended while no daemon ran: the odd tasks whose sleep outlived the daemon.
        java.util.Set<String> endedWhileDown = new java.util.TreeSet<>();
        for (int i = 1; i < TASKS; i += 2) {
            if (sleepers(oddSleep(i)) > 0) {
                endedWhileDown.add("t" + i);
            }
        }
        // The odd tasks exit while no daemon runs: wait until none of their sleeps is left.
        await().atMost(Duration.ofSeconds(30)).until(() -> java.util.stream.IntStream.iterate(1, i -> i < TASKS, i -> i + 2)
                .allMatch(i -> sleepersQuietly(oddSleep(i)) == 0));
        assertThat(sleepers("31337")).as("the durable tasks outlived the daemon").isEqualTo(TASKS / 2);
        assertThat(monitorsOf("31337")).as("what watches them").containsOnly("overseer-monitor");

        daemon = startDaemon();
        JsonNode listed = client.tasks("default");
        assertThat(listed).hasSize(TASKS + 1);
        Map<String, JsonNode> byId = new ConcurrentHashMap<>();
        listed.forEach(t -> byId.put(t.get("id").asString(), t));
        for (int i = 0; i < TASKS; i++) {
            JsonNode t = byId.get("t" + i);
            if (i % 2 == 0) {
                assertThat(t.get("status").asString()).as("t%d", i).isEqualTo("running");
            } else {
                assertThat(t.get("status").asString()).as("t%d", i).isEqualTo("stopped");
                assertThat(t.get("exit").get("exitCode").asInt()).as("t%d", i).isEqualTo(i);
            }
        }
        // The exits that happened while no daemon ran were published at the restart, before anyone listened:
        // ?since=0 replays them; none that the first daemon had published comes again (an exit is published once
        // over all the daemons' lives). An exit in the moment between the first replay and the kill may be either's.
        Map<String, Integer> replayed = exitsReplayed(client, "marker-after");
        assertThat(replayed.keySet()).as("published at the restart").containsAll(endedWhileDown);
        assertThat(replayed.keySet().stream().filter(publishedBefore::contains).toList()).as("published twice").isEmpty();
        replayed.forEach((id, code) -> {
            assertThat(Integer.parseInt(id.substring(1)) % 2).as("%s: only an exit that happened", id).isOne();
            assertThat(code).isEqualTo(Integer.parseInt(id.substring(1)));
        });
        assertThat(publishedBefore.size() + endedWhileDown.size()).as("the test saw most of the exits one way or the other")
                .isGreaterThan(TASKS / 4);
    }

    /** t{@code i}'s sleep, in seconds: 2 and a hundredth per index, so each odd task's sleep has a command line of its own. */
    private static String oddSleep(int i) {
        return String.format(java.util.Locale.ROOT, "2.%02d", i);
    }

    /** The /tasks/exit events of a replay from 0, read up to the creation of a task named {@code marker}, made now. */
    private static Map<String, Integer> exitsReplayed(OverseerClient client, String marker) throws IOException {
        client.createTask("default", JSON.readTree("{\"id\": \"" + marker + "\", \"process\": {\"args\": [\"/bin/true\"]}}"));
        Map<String, Integer> replayed = new ConcurrentHashMap<>();
        client.events(List.of("/tasks/exit", "/tasks/create"), "default", 0, e -> {
            if (e.get("topic").asString().equals("/tasks/create")) {
                return !e.get("event").get("id").asString().equals(marker);
            }
            replayed.put(e.get("event").get("id").asString(), e.get("event").get("exit").get("exitCode").asInt());
            return true;
        });
        return replayed;
    }

    private static long sleepersQuietly(String seconds) {
        try {
            return sleepers(seconds);
        } catch (IOException e) {
            return 1;
        }
    }

    /** The programs whose children the `sleep SECONDS` processes are: their monitors (memfd:overseer-monitor). */
    private static List<String> monitorsOf(String seconds) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).flatMap(p -> {
                try {
                    if (!Files.readString(p.resolve("cmdline")).equals("sleep\0" + seconds + "\0")) {
                        return Stream.empty();
                    }
                    String stat = Files.readString(p.resolve("stat"));
                    String ppid = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1];
                    String exe = Files.readSymbolicLink(Path.of("/proc", ppid, "exe")).toString();
                    return Stream.of(exe.contains("overseer-monitor") ? "overseer-monitor" : exe);
                } catch (IOException gone) {
                    return Stream.empty();
                }
            }).toList();
        }
    }

    /** Processes on the host running `sleep SECONDS`. */
    private static long sleepers(String seconds) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).filter(p -> {
                try {
                    return Files.readString(p.resolve("cmdline")).equals("sleep\0" + seconds + "\0");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }
}
