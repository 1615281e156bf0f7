package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.Isolation;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.server.SqliteStateStore;
import overseer.wire.ServiceSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * issue 10: SIGTERM to the daemon right after deleting OCI tasks abandoned the runtime's background
 * deletes, leaving runtime state and /overseer/NS/ID cgroups. A stopping daemon finishes them; one killed
 * has recorded them, and the next finishes them before it serves.
 */
class UnfinishedDeletesIT {
    private static final int TASKS = 6;
    @TempDir
    Path dir;
    private RealDaemon daemon;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "isolated tasks run on runc/crun, which needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        daemon = new RealDaemon(dir, "--runtime", "oci");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aDaemonStoppedRightAfterDeletesFinishesThem() throws Exception {
        OverseerClient c = daemon.start();
        List<String> ids = ranAndDeleted(c, "term");

        daemon.stopDaemon();

        assertThat(leftovers(ids)).as("what the deletes left, after the daemon stopped").isEmpty();
        assertThat(pendingDeletes()).isZero();
    }

    @Test
    void aDaemonKilledRightAfterDeletesHasThemFinishedByTheNext() throws Exception {
        OverseerClient c = daemon.start();
        List<String> ids = ranAndDeleted(c, "kill");

        daemon.crash(); // kill -9; returns once the monitor's next daemon serves

        assertThat(leftovers(ids)).as("what the deletes left, once the next daemon serves").isEmpty();
        daemon.stopDaemon();
        assertThat(pendingDeletes()).isZero();
    }

    /** Isolated tasks that ran and ended, then deleted one after the other, as fast as the API answers. */
    private static List<String> ranAndDeleted(OverseerClient c, String prefix) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            String id = prefix + i;
            c.createTask("default", ServiceSpec.of(TaskSpec.of(id, ProcessSpec.of("/bin/true")).withIsolation(Isolation.DEFAULT)));
            c.start("default", id);
            ids.add(id);
        }
        for (String id : ids) {
            assertThat(c.await("default", id, Duration.ofSeconds(60)).exitCode()).isZero();
        }
        ids.forEach(id -> c.delete("default", id));
        return ids;
    }

    /** The task's files, its runtime state and its cgroup in every hierarchy, for each task that has any left. */
    private List<Path> leftovers(List<String> ids) throws IOException {
        List<Path> left = new ArrayList<>();
        for (String id : ids) {
            left.add(daemon.state().resolve("oci/tasks/default").resolve(id));
            left.add(daemon.state().resolve("oci/runtime/default").resolve(id));
            try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                hierarchies.forEach(h -> left.add(h.resolve(daemon.cgroupParent()).resolve("default").resolve(id)));
            }
        }
        return left.stream().filter(Files::exists).toList();
    }

    /** The pending deletes the store still holds (read with the daemon stopped). */
    private long pendingDeletes() {
        try (SqliteStateStore store = new SqliteStateStore(daemon.state().resolve("state.db"))) {
            return store.pendingDeletes().size();
        }
    }
}
