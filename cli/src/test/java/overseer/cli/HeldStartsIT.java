package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import overseer.oci.OciRuntime;
import overseer.server.Daemon;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Isolated starts that take long to come back (a slow hook, a slow mount, a loaded host) hold their own requests
 * and nothing else. The daemon serves every request on a virtual thread, over as many carrier threads as CPUs; a
 * start used to wait for its monitor and the runtime in a native call, which holds the carrier, so one more such
 * start than CPUs stopped every request, `overseer ps` and the health check included, until one finished.
 *
 * <p>The daemon's conmon is the test's, which holds each start while a file exists, then runs the real one.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HeldStartsIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration ANSWER = Duration.ofSeconds(20);
    @TempDir
    Path dir;
    private final String cgroupParent = "overseer-test-held-" + ProcessHandle.current().pid();
    private Daemon daemon;
    private Tasks clis;
    private Path hold;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "isolated tasks need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        hold = dir.resolve("hold");
        Path conmon = dir.resolve("conmon");
        Files.writeString(conmon, """
                #!/bin/sh
                if [ -e %1$s ]; then
                  echo "$$" >> %2$s
                  while [ -e %1$s ]; do sleep 0.05; done
                fi
                exec /usr/bin/conmon "$@"
                """.formatted(hold, dir.resolve("entered")));
        Files.setPosixFilePermissions(conmon, PosixFilePermissions.fromString("rwx------"));
        daemon = new Daemon(OciRuntime.builder().stateDir(dir.resolve("oci")).cgroupParent("/" + cgroupParent)
                .conmon(Optional.of(conmon)).conmonAlways(true).build(), dir.resolve("d.sock"), dir.resolve("st"), true);
        clis = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (hold != null) {
                Files.deleteIfExists(hold); // whatever a failed test left held goes on
            }
            if (clis != null) {
                clis.close();
            }
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            RealDaemon.removeCgroupParent(cgroupParent);
        }
    }

    @Test
    void theApiAnswersWhileMoreStartsThanCarriersWait() throws Exception {
        OverseerClient c = new OverseerClient(daemon.socket());
        int held = Runtime.getRuntime().availableProcessors() + 1;
        for (int i = 0; i < held; i++) {
            c.createTask("default", JSON.readTree("{\"id\": \"held-" + i + "\", \"process\": {\"args\": [\"/bin/true\"]},"
                    + " \"isolation\": {\"network\": \"none\"}}"));
        }
        Files.createFile(hold);
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 0; i < held; i++) {
            String id = "held-" + i;
            starts.add(CompletableFuture.runAsync(() -> new OverseerClient(daemon.socket()).start("default", id),
                    r -> Thread.ofPlatform().start(r)));
        }

        // Every start reaches its monitor: none waits behind another for a thread of the daemon's.
        Path entered = dir.resolve("entered");
        await("all " + held + " starts at their monitor").atMost(ANSWER)
                .until(() -> Files.exists(entered) ? Files.readAllLines(entered).size() : 0, n -> n == held);
        Task ps = clis.run(TaskSpec.of("ps", ProcessSpec.builder(cli("ps", "-a", "--socket", daemon.socket().toString()))
                .captureOutput().build()));
        Exit psExit = ps.await(ANSWER).orElseThrow(() -> new AssertionError("overseer ps got no answer while "
                + held + " starts were held"));
        ps.output().drained().join();

        assertThat(psExit.exitCode()).as("%s", ps.output().tail(LogStream.STDERR).lines()).isZero();
        assertThat(ps.output().tail(LogStream.STDOUT).lines()).as("overseer ps").filteredOn(l -> l.contains("held-")).hasSize(held);
        assertThat(c.health().get("status").asString()).isEqualTo("ok");
        assertThat(starts).noneMatch(CompletableFuture::isDone);

        Files.delete(hold);
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        for (int i = 0; i < held; i++) {
            assertThat(c.await("default", "held-" + i, ANSWER).exitCode()).isZero();
        }
    }

    private static List<String> cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
