package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.client.OverseerClient;
import overseer.wire.Json;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deleted task's output goes with it, as {@code docker rm} removes a container's log: none of its files is
 * left in the daemon's log directory (its own, an exec's, the ones rotated out), and a task made again under
 * the same name starts with empty logs instead of the old task's output.
 */
class DeletedTaskLogsIT extends DaemonFixture {
    private OverseerClient client;

    @BeforeEach
    void connect() {
        client = new OverseerClient(daemon.socket());
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    private void run(String id, String script) throws Exception {
        client.createTask("default", Json.MAPPER.readTree("{\"id\": \"" + id + "\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \""
                + script + "\"], \"env\": {\"PATH\": \"/usr/bin:/bin\"}}}"));
        client.start("default", id);
    }

    private String stdout(String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.logs("default", id, "stdout", false, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private Stream<String> logFiles() throws Exception {
        Path logs = dir.resolve("state/logs/default");
        return Files.exists(logs) ? Files.list(logs).map(p -> p.getFileName().toString()).sorted() : Stream.empty();
    }

    @Test
    void aDeletedTasksLogFilesAreRemovedAndItsNameStartsAfreshWithEmptyLogs() throws Exception {
        run("web", "echo first run; echo oops >&2; sleep 30");
        client.exec("default", "web", "probe", Json.MAPPER.readTree("{\"args\": [\"/bin/echo\", \"probed\"]}"));
        assertThat(client.awaitExec("default", "web", "probe", Duration.ofSeconds(30)).path("exitCode").asInt()).isZero();
        // what rotation leaves beside the current file (LogRotationIT makes them for real), and a neighbour's
        Path logs = dir.resolve("state/logs/default");
        Files.writeString(logs.resolve("web.out.1"), "rotated out\n");
        Files.writeString(logs.resolve("web.out.2"), "rotated out earlier\n");
        run("webapp", "echo the neighbour");
        assertThat(client.await("default", "webapp", Duration.ofSeconds(30)).exitCode()).isZero();
        assertThat(logFiles()).contains("web.out", "web.err", "web.probe.out", "web.probe.err", "web.out.1", "web.out.2");

        client.kill("default", "web", "SIGKILL", false);
        client.await("default", "web", Duration.ofSeconds(30));
        client.delete("default", "web");

        assertThat(logFiles()).containsExactly("webapp.err", "webapp.out");
        assertThat(stdout("webapp")).isEqualTo("the neighbour\n");

        run("web", "echo second run");
        assertThat(client.await("default", "web", Duration.ofSeconds(30)).exitCode()).isZero();
        assertThat(stdout("web")).isEqualTo("second run\n");
    }
}
