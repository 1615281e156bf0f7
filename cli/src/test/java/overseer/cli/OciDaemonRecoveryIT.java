package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.Isolation;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.oci.OciRuntime;
import overseer.server.Daemon;
import overseer.wire.ServiceSpec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What an OCI daemon leaves is taken back whole by the next one: created tasks, and logs without doubles. */
class OciDaemonRecoveryIT {
    @TempDir
    Path dir;
    private Daemon daemon;

    @BeforeEach
    void start() {
        assumeTrue("root".equals(System.getProperty("user.name")), "isolated tasks need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        daemon = daemon(false);
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
            daemon(true).close(); // takes back what is left, and stops it
        }
    }

    private Daemon daemon(boolean stopTasks) {
        return new Daemon(OciRuntime.builder().stateDir(dir.resolve("oci")).build(), dir.resolve("d.sock"), dir.resolve("st"),
                stopTasks);
    }

    private static ServiceSpec isolated(String id, String script) {
        return ServiceSpec.of(TaskSpec.of(id, ProcessSpec.of("/bin/sh", "-c", script)).withIsolation(Isolation.DEFAULT));
    }

    private static String logs(OverseerClient c, String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.logs("default", id, "stdout", false, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void createdTasksAndLogsSurviveADaemonRestart() {
        OverseerClient c = new OverseerClient(daemon.socket());
        c.createTask("default", isolated("later", "echo later"));
        c.createTask("default", isolated("talker", "echo one; echo two; exec sleep 1000"));
        c.start("default", "talker");
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(c, "talker").equals("one\ntwo\n"));

        for (int i = 0; i < 2; i++) {
            daemon.close();
            daemon = daemon(false);
        }
        OverseerClient again = new OverseerClient(daemon.socket());
        assertThat(again.task("default", "later").get("status").asString()).isEqualTo("created");
        again.start("default", "later");
        assertThat(again.await("default", "later", Duration.ofSeconds(30)).exitCode()).isZero();
        assertThat(logs(again, "later")).isEqualTo("later\n");
        assertThat(logs(again, "talker")).as("no line doubled by the reattach").isEqualTo("one\ntwo\n");
    }
}
