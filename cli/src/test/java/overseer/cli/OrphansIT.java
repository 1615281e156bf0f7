package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.client.UnixHttp;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.server.SqliteStateStore;
import overseer.wire.ServiceSpec;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * issue 10: a store that lost a task (here its row is deleted while no daemon runs, as a lost WAL does)
 * left its process running, unowned, with no warning. The next daemon finds it under its cgroups, reports
 * it at /v1/orphans and stops it (the default) or adopts it (--orphans adopt).
 */
class OrphansIT {
    @TempDir
    Path dir;
    private RealDaemon daemon;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "every daemon task gets a cgroup, which needs root");
        daemon = new RealDaemon(dir, "--runtime", "native");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aTaskTheStoreLostIsReportedAndStoppedByDefault() throws Exception {
        long[] pids = forget(daemon.start());

        OverseerClient c = daemon.start();

        JsonNode orphans = orphans().get("orphans");
        assertThat(orphans).hasSize(1);
        assertThat(orphans.get(0).get("id").asString()).isEqualTo("forgotten");
        assertThat(orphans.get(0).get("namespace").asString()).isEqualTo("default");
        assertThat(orphans.get(0).get("pid").asLong()).isEqualTo(pids[1]);
        assertThat(orphans.get(0).get("action").asString()).isEqualTo("stopped");
        await().atMost(Duration.ofSeconds(10)).until(() -> !running(pids[1]));
        assertThat(running(pids[0])).as("the task the store knows").isTrue();
        assertThat(c.task("default", "known").get("status").asString()).isEqualTo("running");
    }

    @Test
    void withAdoptATaskTheStoreLostIsTakenBack() throws Exception {
        long[] pids = forget(daemon.start());

        OverseerClient c = daemon.start("--orphans", "adopt");

        JsonNode orphans = orphans().get("orphans");
        assertThat(orphans).hasSize(1);
        assertThat(orphans.get(0).get("action").asString()).isEqualTo("adopted");
        JsonNode t = c.task("default", "forgotten");
        assertThat(t.get("status").asString()).isEqualTo("running");
        assertThat(t.get("pid").asLong()).isEqualTo(pids[1]);
        c.kill("default", "forgotten", "SIGKILL", true);
        assertThat(c.await("default", "forgotten", Duration.ofSeconds(30)).signal()).contains(overseer.core.Signal.SIGKILL);
        c.delete("default", "forgotten");
        assertThat(running(pids[1])).isFalse();
    }

    /** An isolated task's files in the daemon's OCI state, its container running, and no row: stopped, nothing left. */
    @Test
    void anIsolatedTaskTheStoreLostIsStopped() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        daemon.close();
        daemon = new RealDaemon(dir, "--runtime", "oci");
        OverseerClient c = daemon.start();
        c.createTask("default", ServiceSpec.of(TaskSpec.of("boxed", ProcessSpec.of("/bin/sleep", "1000"))
                .withIsolation(overseer.core.Isolation.DEFAULT)));
        long pid = c.start("default", "boxed").get("pid").asLong();
        daemon.stopDaemon();
        try (SqliteStateStore store = new SqliteStateStore(daemon.state().resolve("state.db"))) {
            store.deleteTask("default", "boxed");
        }

        daemon.start();

        JsonNode orphans = orphans().get("orphans");
        assertThat(orphans).hasSize(1);
        assertThat(orphans.get(0).get("id").asString()).isEqualTo("boxed");
        assertThat(orphans.get(0).get("pid").asLong()).isEqualTo(pid);
        assertThat(orphans.get(0).get("action").asString()).isEqualTo("stopped");
        await().atMost(Duration.ofSeconds(10)).until(() -> !running(pid));
        assertThat(daemon.state().resolve("oci/tasks/default/boxed")).doesNotExist();
        assertThat(daemon.state().resolve("oci/runtime/default/boxed")).doesNotExist();
    }

    /**
     * Two running tasks; then the daemon stops (its tasks keep running) and the store forgets the second.
     * Returns both pids, the forgotten one second.
     */
    private long[] forget(OverseerClient c) throws Exception {
        long[] pids = new long[2];
        String[] ids = {"known", "forgotten"};
        for (int i = 0; i < 2; i++) {
            c.createTask("default", ServiceSpec.of(TaskSpec.of(ids[i], ProcessSpec.of("/bin/sleep", "1000"))));
            pids[i] = c.start("default", ids[i]).get("pid").asLong();
        }
        daemon.stopDaemon();
        try (SqliteStateStore store = new SqliteStateStore(daemon.state().resolve("state.db"))) {
            store.deleteTask("default", "forgotten");
        }
        assertThat(running(pids[1])).as("the forgotten task, while no daemon runs").isTrue();
        return pids;
    }

    private JsonNode orphans() throws IOException {
        UnixHttp.Response r = new UnixHttp(daemon.socket()).send("GET", "/v1/orphans", null, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return overseer.wire.Json.MAPPER.readTree(r.text());
    }

    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }
}
