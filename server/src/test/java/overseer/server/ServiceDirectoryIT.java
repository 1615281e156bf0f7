package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** `overseer daemon --services DIR` and `overseer reload`: declared services applied by difference. */
class ServiceDirectoryIT {
    private static final String BASE = """
            services:
              - name: db
                command: [/bin/sleep, "1000"]
                ready: {delay: 200ms}
                restart: always
              - name: web
                command: [/bin/sh, -c, "echo web up; exec sleep 1000"]
                after: [db]
                restart: on-failure
                max_restarts: 3
                stop_grace: 2s
            """;
    @TempDir
    Path dir;
    private final List<Daemon> daemons = new ArrayList<>();
    private OverseerClient client;

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("services"));
        Files.writeString(dir.resolve("services/app.yaml"), BASE);
        client = new OverseerClient(daemon(false).socket());
    }

    @AfterEach
    void stop() {
        daemons.reversed().forEach(Daemon::close);
        new Daemon(new NativeRuntime(), dir.resolve("d.sock"), dir.resolve("state"), true).close();
    }

    private Daemon daemon(boolean stopTasks) {
        Daemon d = new Daemon(new NativeRuntime(), dir.resolve("d.sock"), Optional.empty(), dir.resolve("state"), stopTasks,
                Optional.of(dir.resolve("services")));
        daemons.add(d);
        return d;
    }

    private boolean running(String name) {
        try {
            return client.task("default", name).get("status").asString().equals("running");
        } catch (OverseerException notYet) {
            return false;
        }
    }

    private long pid(String name) {
        return client.task("default", name).get("pid").asLong();
    }

    private static List<String> names(JsonNode report, String what) {
        List<String> out = new ArrayList<>();
        report.get(what).forEach(n -> out.add(n.asString()));
        return out;
    }

    @Test
    void servicesStartInDependencyOrderAndReloadAppliesTheDifference() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> running("db") && running("web"));
        Instant dbStart = Instant.parse(client.task("default", "db").get("service").get("startedAt").asString());
        Instant webStart = Instant.parse(client.task("default", "web").get("service").get("startedAt").asString());
        assertThat(Duration.between(dbStart, webStart)).as("web waits until db is ready").isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(client.task("default", "web").get("spec").get("restart").get("policy").asString()).isEqualTo("on-failure:3");
        long db = pid("db");
        long web = pid("web");

        JsonNode same = client.reload();
        assertThat(names(same, "unchanged")).containsExactly("db", "web");
        assertThat(pid("db")).isEqualTo(db);

        Files.writeString(dir.resolve("services/app.yaml"), BASE.replace("echo web up", "echo web v2"));
        JsonNode changed = client.reload();
        assertThat(names(changed, "restarted")).containsExactly("web");
        assertThat(names(changed, "unchanged")).containsExactly("db");
        assertThat(pid("db")).isEqualTo(db);
        assertThat(pid("web")).isNotEqualTo(web);

        Files.writeString(dir.resolve("services/app.yaml"), """
                services:
                  - name: db
                    command: [/bin/sleep, "1000"]
                    ready: {delay: 200ms}
                    restart: always
                  - name: cache
                    command: [/bin/sleep, "1000"]
                """);
        JsonNode swapped = client.reload();
        assertThat(names(swapped, "stopped")).containsExactly("web");
        assertThat(names(swapped, "started")).containsExactly("cache");
        assertThatThrownBy(() -> client.task("default", "web")).hasMessageContaining("task does not exist");
    }

    @Test
    void aBadFileChangesNothingAndSaysWhere() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> running("db") && running("web"));
        long web = pid("web");
        Files.writeString(dir.resolve("services/app.yaml"), BASE.replace("after: [db]", "after: [dbx]"));
        assertThatThrownBy(() -> client.reload()).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith("app.yaml: services[1].after[0]: no service is named \"dbx\"");
        });
        Files.writeString(dir.resolve("services/app.yaml"), BASE.replace("stop_grace: 2s", "stop_grace: soon"));
        assertThatThrownBy(() -> client.reload()).hasMessageStartingWith("app.yaml: services[1].stop_grace: expected a duration");
        assertThat(pid("web")).isEqualTo(web);
    }

    @Test
    void aDaemonRestartLeavesRunningServicesAlone() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> running("db") && running("web"));
        long db = pid("db");
        daemons.removeLast().close();
        client = new OverseerClient(daemon(false).socket());
        assertThat(names(client.reload(), "unchanged")).containsExactly("db", "web");
        assertThat(pid("db")).isEqualTo(db);
    }
}
