package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The client's kept-alive connections against the real daemon: Helidon's HTTP/1 and the connection guard. */
class ClientKeepAliveIT {
    @TempDir
    Path dir;
    private Daemon daemon;
    private UnixHttp http;

    private void start(Duration idleTimeout) {
        daemon = new Daemon(new NativeRuntime(), dir.resolve("k.sock"), Optional.empty(), dir.resolve("state"), true,
                Optional.empty(), Orphans.STOP, new ApiServer.Limits(64, 64, Duration.ofSeconds(10), Duration.ofSeconds(10),
                        idleTimeout));
        http = new UnixHttp(daemon.socket());
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void theDaemonSeesOneConnectionForManyRequests() throws Exception {
        start(Duration.ofSeconds(120));
        String spec = "{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}}";
        assertThat(http.send("POST", "/v1/namespaces/default/tasks", null, spec.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(201);
        assertThat(http.send("POST", "/v1/namespaces/default/tasks/a/start", null, null).status()).isEqualTo(200);
        assertThat(http.send("POST", "/v1/namespaces/default/tasks/a/wait?timeout=20s", null, null).status()).isEqualTo(200);
        for (int i = 0; i < 200; i++) {
            assertThat(http.send("GET", "/v1/namespaces/default/tasks/a", null, null).status()).isEqualTo(200);
        }
        assertThat(http.send("GET", "/v1/namespaces/default/tasks/ghost", null, null).status()).isEqualTo(404);
        assertThat(http.send("DELETE", "/v1/namespaces/default/tasks/a", null, null).status()).isBetween(200, 299);
        assertThat(http.connectionsOpened()).isEqualTo(1);
        assertThat(daemon.api().openConnections()).isEqualTo(1);
        http.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.api().openConnections() == 0);
    }

    @Test
    void aConnectionTheDaemonClosedAfterItsIdleTimeoutIsReplaced() throws Exception {
        start(Duration.ofMillis(300));
        assertThat(http.send("GET", "/healthz", null, null).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.api().openConnections() == 0);
        // The pooled connection is closed at the far end: a GET and a POST each go out on a new one.
        assertThat(http.send("GET", "/healthz", null, null).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.api().openConnections() == 0);
        String spec = "{\"id\": \"b\", \"process\": {\"args\": [\"/bin/true\"]}}";
        assertThat(http.send("POST", "/v1/namespaces/default/tasks", null, spec.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(201);
        assertThat(http.connectionsOpened()).isEqualTo(3);
    }

    @Test
    void streamsHaveConnectionsOfTheirOwnAndTheRestAreShared() throws Exception {
        start(Duration.ofSeconds(120));
        try (OverseerClient client = new OverseerClient(daemon.socket())) {
            client.createTask("default", overseer.wire.Json.MAPPER.readTree(
                    "{\"id\": \"e\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"echo one; echo two\"]}}"));
            client.start("default", "e");
            client.await("default", "e", Duration.ofSeconds(20));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.logs("default", "e", "stdout", false, out);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("one\ntwo\n");
            // Half of an event stream: the sink stops at the first event of what the daemon kept.
            List<String> got = new java.util.ArrayList<>();
            client.events(List.of("/tasks/*"), "default", 0, e -> !got.add(e.get("topic").asString()));
            assertThat(got).hasSize(1);
            assertThat(client.task("default", "e").get("id").asString()).isEqualTo("e");
            // The daemon notices the event stream's connection is gone when it writes the next event: make one.
            client.createTask("default", overseer.wire.Json.MAPPER.readTree(
                    "{\"id\": \"f\", \"process\": {\"args\": [\"/bin/true\"]}}"));
            // One shared connection for create, start, wait and GET; the log and the events on their own, closed.
            await().atMost(Duration.ofSeconds(10)).until(() -> daemon.api().openConnections() == 1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.api().openConnections() == 0);
    }
}
