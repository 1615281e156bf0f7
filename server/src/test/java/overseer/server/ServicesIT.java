package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.TaskSpec;
import overseer.linux.NativeRuntime;
import overseer.wire.HealthCheck;
import overseer.wire.RestartPolicy;
import overseer.wire.ServiceSpec;
import overseer.wire.Supervision;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Restart policies, stops, run time limits and health checks of daemon tasks, through the Java client. */
class ServicesIT {
    private static final Duration QUICK = Duration.ofMillis(10);
    @TempDir
    Path dir;
    private final List<Daemon> daemons = new ArrayList<>();
    private OverseerClient client;

    @BeforeEach
    void start() {
        client = new OverseerClient(daemon(false).socket());
    }

    @AfterEach
    void stop() {
        daemons.reversed().forEach(Daemon::close);
        // Whatever the daemons left running: one more takes it back and stops it.
        new Daemon(new NativeRuntime(), dir.resolve("d.sock"), dir.resolve("state"), true).close();
    }

    private Daemon daemon(boolean stopTasks) {
        Daemon d = new Daemon(new NativeRuntime(), dir.resolve("d.sock"), dir.resolve("state"), stopTasks);
        daemons.add(d);
        return d;
    }

    /** Closes the daemon, leaving its tasks, and starts a new one on the same state. */
    private void restartDaemon() {
        Daemon last = daemons.removeLast();
        last.close();
        client = new OverseerClient(daemon(false).socket());
    }

    private static ServiceSpec service(String id, RestartPolicy restart, String... args) {
        return new ServiceSpec(TaskSpec.of(id, ProcessSpec.of(args)),
                Supervision.NONE.withRestart(restart.withBackoff(QUICK, Duration.ofMillis(100), Duration.ofSeconds(10))));
    }

    private JsonNode run(ServiceSpec spec) {
        client.createTask("default", spec);
        return client.start("default", spec.id());
    }

    private JsonNode service(String id) {
        return client.task("default", id).get("service");
    }

    @Test
    void onFailureRestartsUpToItsCountThenLetsItRest() {
        run(service("flaky", RestartPolicy.parse("restart", "on-failure:2"), "/bin/sh", "-c", "exit 3"));
        // The count moves when a restart is decided, before its run starts: wait for the third run's exit too.
        await().atMost(Duration.ofSeconds(20)).until(() -> service("flaky").get("restarts").asInt() == 2
                && service("flaky").get("lastExits").size() == 3
                && client.task("default", "flaky").get("status").asString().equals("stopped"));
        JsonNode s = service("flaky");
        assertThat(s.get("state").asString()).isEqualTo("exited");
        assertThat(s.get("lastExits")).hasSize(3).allSatisfy(e -> assertThat(e.get("exitCode").asInt()).isEqualTo(3));
        assertThat(client.task("default", "flaky").get("exit").get("exitCode").asInt()).isEqualTo(3);
        assertThat(s.has("nextRestartAt")).isFalse();
    }

    @Test
    void onFailureLeavesASuccessAlone() {
        run(service("ok", RestartPolicy.parse("restart", "on-failure"), "/bin/true"));
        assertThat(client.await("default", "ok", Duration.ofSeconds(20)).exitCode()).isZero();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> service("ok").get("restarts").asInt() == 0);
        assertThat(service("ok").get("state").asString()).isEqualTo("exited");
    }

    @Test
    void alwaysRestartsAProcessKilledFromOutside() throws Exception {
        long pid = run(service("web", RestartPolicy.parse("restart", "always"), "/bin/sleep", "1000")).get("pid").asLong();
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode t = client.task("default", "web");
            return t.get("status").asString().equals("running") && t.get("pid").asLong() != pid;
        });
        JsonNode s = service("web");
        assertThat(s.get("restarts").asInt()).isEqualTo(1);
        assertThat(s.get("state").asString()).isEqualTo("running");
        JsonNode killed = s.get("lastExits").get(0);
        assertThat(killed.get("exitCode").asInt()).isEqualTo(137);
        assertThat(killed.get("signal").asString()).isEqualTo("SIGKILL");
    }

    @Test
    void aCrashLoopHitsTheStartLimitAndFails() {
        ServiceSpec loop = service("loop", RestartPolicy.parse("restart", "always").withBackoff(Duration.ofMillis(1),
                Duration.ofMillis(5), Duration.ofSeconds(10)).withStartLimit(3, Duration.ofSeconds(30)), "/bin/false");
        run(loop);
        await().atMost(Duration.ofSeconds(20)).until(() -> service("loop").get("state").asString().equals("failed"));
        JsonNode s = service("loop");
        assertThat(s.get("failure").asString()).startsWith("start limit hit: 3 starts within 30s");
        assertThat(s.get("restarts").asInt()).isEqualTo(2);
        // An operator's start clears the failure.
        client.start("default", "loop");
        assertThat(service("loop").has("failure")).isFalse();
    }

    @Test
    void anOperatorsStopIsNotUndoneByThePolicy() {
        run(service("db", RestartPolicy.parse("restart", "always"), "/bin/sleep", "1000"));
        JsonNode stopped = client.stop("default", "db");
        assertThat(stopped.get("exit").get("signal").asString()).isEqualTo("SIGTERM");
        assertThat(stopped.get("service").get("state").asString()).isEqualTo("stopped");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> client.task("default", "db").get("status").asString().equals("stopped"));
        JsonNode again = client.start("default", "db");
        assertThat(again.get("status").asString()).isEqualTo("running");
        assertThat(again.get("service").get("restarts").asInt()).isZero(); // an operator's start is not a restart
        assertThat(again.get("service").get("lastExits")).hasSize(1);
    }

    @Test
    void theMaximumRunTimeSendsTheStopSignalFirst() {
        ServiceSpec spec = new ServiceSpec(TaskSpec.of("batch", ProcessSpec.of("/bin/sh", "-c",
                "trap 'exit 7' USR1; while true; do sleep 0.05; done")),
                Supervision.NONE.withStop(Signal.parse("USR1"), Duration.ofSeconds(5)).withMaxRuntime(Duration.ofMillis(300)));
        run(spec);
        assertThat(client.await("default", "batch", Duration.ofSeconds(20)).exitCode()).isEqualTo(7);
    }

    @Test
    void anUnhealthyServiceIsRestarted() {
        ServiceSpec spec = service("sick", RestartPolicy.parse("restart", "always"), "/bin/sleep", "1000");
        spec = new ServiceSpec(spec.task(), spec.supervision().withHealthCheck(
                new HealthCheck(List.of("/bin/false"), Optional.empty(), Duration.ofMillis(100), Duration.ofSeconds(5), 2, true)));
        long pid = run(spec).get("pid").asLong();
        await().atMost(Duration.ofSeconds(20)).until(() -> service("sick").get("restarts").asInt() >= 1
                && client.task("default", "sick").get("pid").asLong() != pid);
        assertThat(service("sick").get("lastExits").get(0).get("signal").asString()).isEqualTo("SIGTERM");
    }

    @Test
    void aHealthyServiceSaysSo() {
        ServiceSpec spec = service("fine", RestartPolicy.NO, "/bin/sleep", "1000");
        spec = new ServiceSpec(spec.task(), spec.supervision().withHealthCheck(
                new HealthCheck(List.of("/bin/true"), Optional.empty(), Duration.ofMillis(100), Duration.ofSeconds(5), 1, true)));
        run(spec);
        await().atMost(Duration.ofSeconds(20)).until(() -> service("fine").get("health").asString().equals("healthy"));
    }

    @Test
    void anOutputMatchTellsHealthAndItsAbsenceRestarts() {
        ServiceSpec ready = service("talks", RestartPolicy.NO, "/bin/sh", "-c", "sleep 0.2; echo Ready to accept connections; exec sleep 1000");
        run(new ServiceSpec(ready.task(), ready.supervision().withHealthCheck(new HealthCheck(List.of(),
                Optional.of(java.util.regex.Pattern.compile("Ready to accept")), Duration.ofMillis(50), Duration.ofSeconds(20), 1, true))));
        assertThat(service("talks").get("health").asString()).isEqualTo("starting");
        await().atMost(Duration.ofSeconds(20)).until(() -> service("talks").get("health").asString().equals("healthy"));

        ServiceSpec mute = service("mute", RestartPolicy.parse("restart", "on-failure:1"), "/bin/sleep", "1000");
        long pid = run(new ServiceSpec(mute.task(), mute.supervision().withHealthCheck(new HealthCheck(List.of(),
                Optional.of(java.util.regex.Pattern.compile("never said")), Duration.ofMillis(50), Duration.ofMillis(300), 1, true))))
                .get("pid").asLong();
        await().atMost(Duration.ofSeconds(20)).until(() -> service("mute").get("restarts").asInt() == 1
                && client.task("default", "mute").get("pid").asLong() != pid);
    }

    @Test
    void aServiceThatDiedWhileTheDaemonWasDownIsRestarted() throws Exception {
        long pid = run(service("cache", RestartPolicy.parse("restart", "always"), "/bin/sleep", "1000")).get("pid").asLong();
        daemons.removeLast().close(); // the daemon stops; its task runs on
        new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        client = new OverseerClient(daemon(false).socket());
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode t = client.task("default", "cache");
            return t.get("status").asString().equals("running") && t.get("pid").asLong() != pid;
        });
        assertThat(service("cache").get("restarts").asInt()).isEqualTo(1);
        assertThat(service("cache").get("restart").asString()).isEqualTo("always");
    }

    @Test
    void anExitIsRecordedOnceAcrossDaemonRestarts() {
        run(service("once", RestartPolicy.NO, "/bin/sh", "-c", "exit 4"));
        String exitedAt = client.await("default", "once", Duration.ofSeconds(20)).exitedAt().toString();
        long last = replay("marker-0").getLast().get("sequence").asLong();
        for (int i = 1; i <= 3; i++) {
            restartDaemon();
            JsonNode t = client.task("default", "once");
            assertThat(t.get("exit").get("exitedAt").asString()).isEqualTo(exitedAt);
            assertThat(t.get("exit").get("exitCode").asInt()).isEqualTo(4);
            List<JsonNode> events = replay("marker-" + i);
            assertThat(events).as("no second /tasks/exit").noneMatch(e -> e.get("topic").asString().equals("/tasks/exit"));
            assertThat(events.getFirst().get("sequence").asLong()).as("event numbers go on rising across daemons")
                    .isGreaterThan(last);
            last = events.getLast().get("sequence").asLong();
        }
    }

    /** Every event this daemon kept, up to the creation of a new task named {@code marker}. */
    private List<JsonNode> replay(String marker) {
        client.createTask("default", ServiceSpec.of(TaskSpec.of(marker, ProcessSpec.of("/bin/true"))));
        List<JsonNode> events = new ArrayList<>();
        client.events(List.of("/tasks/*"), "default", 0, e -> {
            events.add(e);
            return !(e.get("topic").asString().equals("/tasks/create") && e.get("event").get("id").asString().equals(marker));
        });
        return events;
    }

    @Test
    void anUpdateOutlivesTheDaemon() {
        ServiceSpec spec = ServiceSpec.of(TaskSpec.of("limited", ProcessSpec.of("/bin/sleep", "1000"))
                .withResources(Resources.builder().memoryBytes(64L << 20).build()));
        run(spec);
        client.update("default", "limited", overseer.wire.SpecJson.resources(Resources.builder().memoryBytes(128L << 20).build()));
        restartDaemon();
        assertThat(client.task("default", "limited").get("spec").get("resources").get("memoryBytes").asLong())
                .isEqualTo(128L << 20);
    }

    @Test
    void aSecondDaemonOnTheSameStateOrSocketIsRefused() {
        assertThatThrownBy(() -> daemon(false)).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
            assertThat(e.getMessage()).contains("is in use by another daemon (pid " + ProcessHandle.current().pid() + ")");
        });
        assertThatThrownBy(() -> new Daemon(new NativeRuntime(), dir.resolve("d.sock"), dir.resolve("other"), true))
                .hasMessageContaining("another daemon is listening on it");
        assertThat(client.health().get("status").asString()).isEqualTo("ok"); // the first one's socket is still there
    }

    @Test
    void theStateIsItsOwnersOnly() throws Exception {
        assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("state")))
                .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("state/state.db")))
                .containsExactlyInAnyOrderElementsOf(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void policyWordsAreDockers() {
        assertThat(RestartPolicy.parse("restart", "on-failure:5").maxRetries()).isEqualTo(OptionalInt.of(5));
        assertThat(RestartPolicy.parse("restart", "unless-stopped").mode()).isEqualTo(RestartPolicy.Mode.UNLESS_STOPPED);
        assertThatThrownBy(() -> RestartPolicy.parse("--restart", "always:3"))
                .hasMessage("--restart: only on-failure takes a retry count, got \"always:3\"");
        assertThatThrownBy(() -> RestartPolicy.parse("--restart", "sometimes"))
                .hasMessage("--restart: expected no, on-failure[:N], always or unless-stopped, got \"sometimes\"");
        RestartPolicy p = RestartPolicy.parse("restart", "always");
        assertThat(List.of(p.delay(1), p.delay(2), p.delay(3), p.delay(20)))
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMinutes(1));
        assertThat(Optional.of(p.startLimitBurst())).contains(5);
    }
}
