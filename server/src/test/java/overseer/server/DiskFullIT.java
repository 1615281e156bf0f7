package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;
import overseer.wire.Json;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The state directory's disk fills up under a running daemon: writes are refused as 507 naming the
 * directory, reads go on, nothing is half-recorded, and once space is free the daemon writes again by itself.
 */
class DiskFullIT {
    @TempDir
    Path dir;
    private Path state;
    private boolean mounted;
    private Daemon daemon;
    private UnixHttp http;

    @BeforeEach
    void smallDisk() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root");
        state = Files.createDirectories(dir.resolve("state"));
        run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "overseer-test-full", state.toString());
        mounted = true;
        daemon = new Daemon(new NativeRuntime(), dir.resolve("overseer.sock"), state, true);
        http = new UnixHttp(daemon.socket());
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (daemon != null) {
            Files.deleteIfExists(state.resolve("filler"));
            daemon.close();
        }
        if (mounted) {
            run("umount", state.toString());
        }
    }

    @Test
    void aFullDiskIsReportedAsSuchAndTheDaemonRecoversWhenSpaceIsFree() throws Exception {
        assertThat(post("/v1/namespaces/default/tasks", create("before")).status()).isEqualTo(201);
        fill(state.resolve("filler"));

        // SQLite reuses the room its WAL had already: the first writes may still fit. Until one does not:
        UnixHttp.Response refused = null;
        String during = null;
        for (int i = 0; i < 500 && (refused == null || refused.status() == 201); i++) {
            during = "during" + i;
            refused = post("/v1/namespaces/default/tasks", create(during));
        }
        assertThat(refused.status()).as(refused.text()).isEqualTo(507);
        JsonNode body = Json.MAPPER.readTree(refused.text());
        assertThat(body.path("kind").asString()).isEqualTo("unavailable");
        assertThat(body.path("message").asString()).contains(state.toString()).contains("full");

        // Reads go on, and the refused task was not half-recorded.
        UnixHttp.Response list = http.send("GET", "/v1/namespaces/default/tasks", null, null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.text()).contains("\"before\"").doesNotContain("\"" + during + "\"");
        assertThat(http.send("GET", "/v1/namespaces/default/tasks/" + during, null, null).status()).isEqualTo(404);

        Files.delete(state.resolve("filler"));
        assertThat(post("/v1/namespaces/default/tasks", create(during)).status()).isEqualTo(201);
        assertThat(post("/v1/namespaces/default/tasks/" + during + "/start", "").status()).isEqualTo(200);
        assertThat(http.send("GET", "/v1/namespaces/default/tasks/" + during, null, null).text()).contains("\"running\"");
    }

    private static String create(String id) {
        return "{\"id\":\"" + id + "\",\"process\":{\"args\":[\"/bin/sleep\",\"30\"]}}";
    }

    private UnixHttp.Response post(String path, String body) throws IOException {
        return http.send("POST", path, null, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes until the disk refuses: ENOSPC. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("space");
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + new String(p.getInputStream().readAllBytes()))
                .isZero();
    }
}
