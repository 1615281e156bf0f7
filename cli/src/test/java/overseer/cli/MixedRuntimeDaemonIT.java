package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.RoutingRuntime;
import overseer.linux.NativeRuntime;
import overseer.oci.OciRuntime;
import overseer.server.Daemon;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** `overseer daemon --runtime both`: each task chooses, by asking for isolation or not. */
class MixedRuntimeDaemonIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    @TempDir
    Path dir;
    private Daemon daemon;

    @BeforeEach
    void start() {
        assumeTrue("root".equals(System.getProperty("user.name")), "isolated tasks need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        daemon = new Daemon(new RoutingRuntime(new NativeRuntime(), OciRuntime.builder().stateDir(dir.resolve("oci")).build()),
                dir.resolve("d.sock"), dir.resolve("st"), true);
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private String run(OverseerClient c, String id, String json) {
        c.createTask("default", JSON.readTree(json));
        c.start("default", id);
        c.await("default", id, Duration.ofSeconds(30));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.logs("default", id, "stdout", false, out);
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    void isolationInTheSpecPicksTheOciRuntime() throws Exception {
        OverseerClient c = new OverseerClient(daemon.socket());
        String boxed = run(c, "boxed", "{\"id\": \"boxed\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"hostname; echo $$\"]},"
                + " \"isolation\": {\"hostname\": \"inside\", \"network\": \"none\"}}");
        assertThat(boxed.lines()).containsExactly("inside", "1");
        String host = run(c, "plain", "{\"id\": \"plain\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"echo $$\"]}}");
        assertThat(Long.parseLong(host)).isGreaterThan(1);
        assertThatThrownBy(() -> c.createTask("default", JSON.readTree(
                "{\"id\": \"x\", \"process\": {\"args\": [\"/bin/true\"]}, \"isolation\": {\"network\": \"wifi\"}}")))
                .isInstanceOfSatisfying(OverseerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).startsWith("isolation.network: expected none or host");
                });
    }

    @Test
    void detachedIsolationRunsIsolated() throws Exception {
        assertThat(Main.commandLine().execute("run", "-d", "--socket", daemon.socket().toString(), "--id", "iso",
                "--isolate", "--network", "none", "--hostname", "inside", "--", "/bin/sh", "-c",
                "echo $$; hostname; ls /sys/class/net")).isZero();
        OverseerClient c = new OverseerClient(daemon.socket());
        assertThat(c.await("default", "iso", Duration.ofSeconds(30)).exitCode()).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.logs("default", "iso", "stdout", false, out);
        assertThat(out.toString(StandardCharsets.UTF_8).strip().lines()).containsExactly("1", "inside", "lo");
    }
}
