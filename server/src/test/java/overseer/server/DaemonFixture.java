package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A daemon on the native runtime in a temporary directory, stopped (with its tasks) after each test. */
abstract class DaemonFixture {
    @TempDir
    Path dir;
    protected Daemon daemon;
    protected UnixHttp http;

    @BeforeEach
    void startDaemon() {
        restart();
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
    }

    /** Closes the daemon, if one runs, and starts a new one on the same socket and state. */
    protected void restart() {
        if (daemon != null) {
            daemon.close();
        }
        daemon = new Daemon(new NativeRuntime(), dir.resolve("run/overseer.sock"), dir.resolve("state"), true);
        http = new UnixHttp(daemon.socket());
    }

    /** A request that must answer {@code expected}, in JSON. */
    protected JsonNode call(String method, String path, String body, int expected) throws IOException {
        UnixHttp.Response r = http.send(method, path, null, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as("%s %s -> %s", method, path, r.text()).isEqualTo(expected);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        return overseer.wire.Json.MAPPER.readTree(r.text());
    }
}
