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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * `overseer daemon` is a monitor: the daemon JVM under it is SIGKILLed with native tasks running, one of
 * which is SIGKILLed too while no daemon runs and another exits on its own around the restart. The monitor
 * restarts the daemon, which reports both true exits (never -1) from the exits directory, and takes back a
 * task's cgroups: update, stats, the freezer and delete work on it as on a fresh task.
 */
class MonitorDurabilityIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MIB = 1L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    private Tasks jvms;
    private Task monitor;
    private final List<Long> strays = new ArrayList<>();

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "the test reads and removes cgroups under /sys/fs/cgroup, which needs root");
        jvms = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (jvms == null) {
            return;
        }
        try {
            if (monitor != null && monitor.exit().isEmpty()) {
                monitor.kill(Signal.SIGTERM, false); // forwarded; --stop-tasks: the daemon stops and deletes every task
                monitor.await(WAIT);
            }
        } finally {
            strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            jvms.close();
        }
    }

    private Path state() {
        return dir.resolve("st");
    }

    private Path sock() {
        return dir.resolve("d.sock");
    }

    private long daemonPid() throws IOException {
        return Long.parseLong(Files.readString(state().resolve("daemon.pid")).strip());
    }

    /** `overseer daemon --runtime native`, with {@code more} flags; returns once it serves. */
    private OverseerClient startMonitor(String... more) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "daemon", "--socket", sock().toString(), "--state-dir", state().toString(),
                "--runtime", "native"));
        cmd.addAll(List.of(more));
        monitor = jvms.run(TaskSpec.of("monitor-" + System.nanoTime(), ProcessSpec.builder(cmd).build()));
        OverseerClient client = new OverseerClient(sock());
        await().atMost(WAIT).ignoreExceptions().until(() -> client.health().get("status").asString().equals("ok"));
        return client;
    }

    @Test
    void nativeExitsSurviveAKilledDaemonAndReadoptedTasksKeepTheirCgroups() throws Exception {
        OverseerClient client = startMonitor("--stop-tasks");

        String mem = "mem-" + ProcessHandle.current().pid();
        client.createTask("default", JSON.readTree("{\"id\": \"seven\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"sleep 3; exit 7\"]}}"));
        client.createTask("default", JSON.readTree("{\"id\": \"sleeper\", \"process\": {\"args\": [\"/bin/sleep\", \"1000\"]}}"));
        client.createTask("default", JSON.readTree("{\"id\": \"" + mem + "\", \"process\": {\"args\": [\"/bin/sleep\", \"1000\"]},"
                + " \"resources\": {\"memoryBytes\": " + 64 * MIB + "}}"));
        for (String id : List.of("seven", "sleeper", mem)) {
            client.start("default", id);
            strays.add(client.task("default", id).get("pid").asLong());
        }
        long sleeper = client.task("default", "sleeper").get("pid").asLong();

        long first = daemonPid();
        ProcessHandle.of(first).orElseThrow().destroyForcibly(); // kill -9 of the daemon JVM, not of the monitor
        await().atMost(WAIT).until(() -> ProcessHandle.of(first).isEmpty());
        ProcessHandle.of(sleeper).orElseThrow().destroyForcibly(); // ends while no daemon watches it

        await().atMost(WAIT).ignoreExceptions().until(() -> daemonPid() != first
                && client.health().get("status").asString().equals("ok"));
        assertThat(monitor.exit()).as("the monitor outlives its daemon").isEmpty();

        JsonNode killed = await().atMost(WAIT).until(() -> client.task("default", "sleeper"), t -> t.has("exit"));
        assertThat(killed.get("exit").get("exitCode").asInt()).isEqualTo(137);
        assertThat(killed.get("exit").get("signal").asString()).isEqualTo("SIGKILL");
        assertThat(client.await("default", "seven", WAIT).exitCode()).isEqualTo(7);
        assertThat(client.task("default", "seven").get("exit").get("exitCode").asInt()).isEqualTo(7);
        await().atMost(Duration.ofSeconds(10)).until(() -> exitFiles().isEmpty()); // each exit is taken once

        // The re-adopted task's cgroups: a limit to update and read back, the freezer, removal on delete.
        client.update("default", mem, JSON.readTree("{\"memoryBytes\": " + 96 * MIB + "}"));
        assertThat(client.stats("default", mem).get("memoryLimitBytes").asLong()).isEqualTo(96 * MIB);
        client.pause("default", mem);
        assertThat(frozen(mem)).as("frozen through its cgroup").isTrue();
        client.resume("default", mem);
        client.kill("default", mem, "KILL", true);
        client.await("default", mem, WAIT);
        client.delete("default", mem);
        assertThat(cgroupDirs(mem)).as("cgroup dirs of the deleted task").isEmpty();
    }

    @Test
    void onSigtermTheMonitorOutlivesItsDaemonUntilTheTasksEndAndRecordsTheirExits() throws Exception {
        OverseerClient client = startMonitor();
        client.createTask("default", JSON.readTree("{\"id\": \"five\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"sleep 3; exit 5\"]}}"));
        client.start("default", "five");
        strays.add(client.task("default", "five").get("pid").asLong());
        long daemon = daemonPid();

        monitor.kill(Signal.SIGTERM, false);
        await().atMost(WAIT).until(() -> ProcessHandle.of(daemon).isEmpty()); // forwarded: the daemon stopped cleanly
        assertThat(monitor.exit()).as("waiting for the task it adopted").isEmpty();
        assertThat(monitor.await(WAIT).orElseThrow().exitCode()).isZero();
        assertThat(exitFiles()).hasSize(1);
        assertThat(Files.readString(exitFiles().getFirst())).startsWith("exitCode=5\n");

        // The next daemon takes the exit that happened while none ran.
        OverseerClient next = startMonitor("--stop-tasks");
        JsonNode five = await().atMost(WAIT).until(() -> next.task("default", "five"), t -> t.has("exit"));
        assertThat(five.get("exit").get("exitCode").asInt()).isEqualTo(5);
        assertThat(exitFiles()).isEmpty();
    }

    private List<Path> exitFiles() throws IOException {
        try (Stream<Path> s = Files.list(state().resolve("exits"))) {
            return s.toList();
        }
    }

    /** The task's directories under /sys/fs/cgroup/HIERARCHY/overseer/default/ID. */
    private static List<Path> cgroupDirs(String id) throws IOException {
        try (Stream<Path> hs = Files.list(Path.of("/sys/fs/cgroup"))) {
            return hs.map(h -> h.resolve("overseer").resolve("default").resolve(id)).filter(Files::isDirectory).toList();
        }
    }

    private static boolean frozen(String id) throws IOException {
        for (Path d : cgroupDirs(id)) {
            if (Files.exists(d.resolve("cgroup.events")) && Files.readString(d.resolve("cgroup.events")).contains("frozen 1")) {
                return true;
            }
            if (Files.exists(d.resolve("freezer.state")) && Files.readString(d.resolve("freezer.state")).strip().equals("FROZEN")) {
                return true;
            }
        }
        return false;
    }
}
