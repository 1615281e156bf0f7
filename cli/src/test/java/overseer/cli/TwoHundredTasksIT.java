package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.Isolation;
import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.TaskSpec;
import overseer.wire.ServiceSpec;
import overseer.wire.SpecJson;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * 200 tasks, native and isolated mixed, and a kill -9 of the daemon; a third of them exit with distinct
 * codes in the second no daemon runs. After the restart: 200 of 200 accounted for, every exit code true,
 * every log intact (no line missing or doubled), and the re-adopted native tasks' limits and cgroups work:
 * update, stats, pause, kill-all, and rm leaves no cgroup.
 */
class TwoHundredTasksIT {
    private static final int TASKS = 200;
    private static final long MIB = 1L << 20;
    @TempDir
    Path dir;
    private RealDaemon daemon;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "isolated tasks and cgroups need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        daemon = new RealDaemon(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static boolean isolated(int i) {
        return i % 2 == 1;
    }

    /** Tasks i % 3 == 0 wait for the go file, then exit with 10 + i % 200; the others run on. */
    private ServiceSpec spec(int i, Path go) {
        String end = i % 3 == 0 ? "while [ ! -e " + go + " ]; do sleep 0.05; done; exit " + (10 + i % 200) : "exec sleep 1000";
        TaskSpec t = TaskSpec.of("m" + i, ProcessSpec.of("/bin/sh", "-c", "echo m" + i + "-a; echo m" + i + "-b; " + end));
        if (isolated(i)) {
            // An isolated task sees the host read-only: the go file is bound in.
            return ServiceSpec.of(t.withIsolation(Isolation.builder().mount(Isolation.Mount.bind(dir, dir, true)).build()));
        }
        return ServiceSpec.of(i % 3 == 1 ? t.withResources(Resources.builder().memoryBytes(64 * MIB).build()) : t);
    }

    private static String logs(OverseerClient c, String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.logs("default", id, "stdout", false, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void twoHundredTasksComeBackWhole() throws Exception {
        OverseerClient c = daemon.start();
        Path go = dir.resolve("go");
        for (int i = 0; i < TASKS; i++) {
            c.createTask("default", spec(i, go));
            c.start("default", "m" + i);
        }
        await().atMost(RealDaemon.WAIT).until(() -> Stream.iterate(0, i -> i + 1).limit(TASKS)
                .allMatch(i -> logs(c, "m" + i).equals("m" + i + "-a\nm" + i + "-b\n")));

        long pid = daemon.pid();
        assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor()).isZero();
        Files.writeString(go, "now"); // a third of the tasks end while no daemon runs
        await().atMost(RealDaemon.WAIT).ignoreExceptions().until(() -> daemon.pid() != pid
                && c.health().get("status").asString().equals("ok"));

        Map<String, JsonNode> listed = new HashMap<>();
        await().atMost(RealDaemon.WAIT).until(() -> {
            listed.clear();
            c.tasks("default").forEach(t -> listed.put(t.get("id").asString(), t));
            return listed.values().stream().filter(t -> t.get("status").asString().equals("stopped")).count() == TASKS / 3 + 1;
        });
        assertThat(listed).hasSize(TASKS);
        for (int i = 0; i < TASKS; i++) {
            JsonNode t = listed.get("m" + i);
            assertThat(logs(c, "m" + i)).as("m%d's log", i).isEqualTo("m" + i + "-a\nm" + i + "-b\n");
            if (i % 3 == 0) {
                assertThat(t.get("exit").get("exitCode").asInt()).as("m%d", i).isEqualTo(10 + i % 200);
            } else {
                assertThat(t.get("status").asString()).as("m%d", i).isEqualTo("running");
            }
        }

        // A re-adopted native task with a limit: update, stats, pause, kill-all, rm.
        String limited = "m4";
        c.update("default", limited, SpecJson.resources(Resources.builder().memoryBytes(96 * MIB).build()));
        assertThat(c.stats("default", limited).get("memoryLimitBytes").asLong()).isEqualTo(96 * MIB);
        assertThat(c.pause("default", limited).get("status").asString()).isEqualTo("paused");
        c.resume("default", limited);
        c.kill("default", limited, "KILL", true);
        assertThat(c.await("default", limited, RealDaemon.WAIT).exitCode()).isEqualTo(137);
        c.delete("default", limited);
        try (Stream<Path> left = Files.list(Path.of("/sys/fs/cgroup"))) {
            assertThat(left.map(h -> h.resolve(daemon.cgroupParent() + "/default/" + limited))).noneMatch(Files::exists);
        }
    }
}
