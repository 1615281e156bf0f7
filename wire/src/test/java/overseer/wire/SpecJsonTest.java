package overseer.wire;

import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.Exit;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.TaskSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one encoding of the typed spec: what is written reads back as the same value, and bad input names its field. */
class SpecJsonTest {
    private static ServiceSpec everything() {
        TaskSpec task = TaskSpec.of("web", ProcessSpec.builder("/usr/bin/redis-server", "--port", "7000")
                        .env(Map.of("A", "1", "B", "two")).cwd(Path.of("/tmp")).user("1000:1000").build())
                .withResources(Resources.builder().cpus(0.5).cpuWeight(200).memoryBytes(64L << 20).swapBytes(128L << 20)
                        .pidsLimit(64).ioWeight(300).build())
                .withIsolation(Isolation.builder().rootfs(Path.of("/srv/root"))
                        .mount(Isolation.Mount.bind(Path.of("/data"), Path.of("/data"), true)).hostname("box")
                        .network(Isolation.Network.HOST).build());
        Supervision s = Supervision.NONE
                .withRestart(RestartPolicy.parse("restart", "on-failure:4")
                        .withBackoff(Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofSeconds(5))
                        .withStartLimit(7, Duration.ofMinutes(2)))
                .withStop(Signal.parse("SIGINT"), Duration.ofSeconds(3))
                .withMaxRuntime(Duration.ofHours(1))
                .withHealthCheck(new HealthCheck(List.of("/bin/true"), Optional.empty(), Duration.ofSeconds(2), Duration.ofMillis(500), 5, false));
        return new ServiceSpec(task, s);
    }

    @Test
    void whatIsWrittenReadsBackTheSame() {
        ServiceSpec spec = everything();
        assertThat(SpecJson.read(Json.read(Json.write(SpecJson.write(spec))))).isEqualTo(spec);
        assertThat(SpecJson.fromStore(SpecJson.stored(spec))).isEqualTo(spec);
        ServiceSpec plain = ServiceSpec.of(TaskSpec.of("p", ProcessSpec.of("/bin/true")));
        assertThat(SpecJson.fromStore(SpecJson.stored(plain))).isEqualTo(plain);
    }

    @Test
    void theStoreKeepsAVersionedEncodingAndReadsTheOldBareBody() {
        assertThat(Json.read(SpecJson.stored(everything())).get("version").asInt()).isEqualTo(SpecJson.VERSION);
        ServiceSpec old = SpecJson.fromStore("{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}}");
        assertThat(old.supervision()).isEqualTo(Supervision.NONE);
        assertThatThrownBy(() -> SpecJson.fromStore("{\"version\": 99, \"spec\": {}}"))
                .hasMessageContaining("version 99 is newer");
    }

    @Test
    void aRestartPolicyIsAWordOrAnObject() {
        ServiceSpec s = SpecJson.read(Json.read("""
                {"id": "a", "process": {"args": ["/bin/true"]}, "restart": "unless-stopped", "stopGrace": "500ms"}"""));
        assertThat(s.supervision().restart().mode()).isEqualTo(RestartPolicy.Mode.UNLESS_STOPPED);
        assertThat(s.supervision().stopGrace()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void badInputNamesTheFieldAndItsValue() {
        assertRejected("{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}, \"restart\": \"sometimes\"}",
                "restart: expected no, on-failure[:N], always or unless-stopped, got \"sometimes\"");
        assertRejected("{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}, \"restart\": {\"policy\": \"always\", \"maxDelay\": \"fast\"}}",
                "restart.maxDelay: expected a duration such as 500ms, 2s, 1m or 1h, got \"fast\"");
        assertRejected("{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"], \"cwd\": \"/t\\u0000x\"}}",
                "process.cwd: contains a NUL character");
        assertRejected("{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}, \"stopSignal\": \"SIGNOPE\"}", "stopSignal: ");
        assertRejected("{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}, \"healthCheck\": {\"command\": [\"/bin/true\"], \"retries\": 0}}",
                "healthCheck.retries: must be at least 1, got 0");
        assertRejected("{\"id\": \"a\", \"process\": {\"args\": [\"/bin/true\"]}, \"colour\": 1}", "colour: unknown field");
    }

    private static void assertRejected(String body, String message) {
        assertThatThrownBy(() -> SpecJson.read(Json.read(body))).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith(message);
        });
    }

    @Test
    void anExitReadsBackTheSame() {
        Exit killed = Exit.killed(Signal.SIGKILL, true, Instant.parse("2026-12-01T10:00:00.123Z"));
        assertThat(SpecJson.exit(SpecJson.exit(killed))).isEqualTo(killed);
        assertThat(Json.text(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Json.text(Duration.ofMinutes(2))).isEqualTo("2m");
    }

    /**
     * Lambda's supervisor model (internal/lambda/supervisor/model/model.go, EventData): a termination carries
     * signo or exit_status, never both, and ProcessTermination reads it as Signaled() or Exited().
     */
    @Test
    void anExitCarriesExactlyOneOfSignoAndExitStatusAsLambdaEventsDo() {
        Instant at = Instant.parse("2026-12-01T10:00:00Z");
        var killed = SpecJson.exit(Exit.killed(Signal.SIGKILL, false, at));
        assertThat(killed.get("signo").asInt()).isEqualTo(9);
        assertThat(killed.has("exit_status")).isFalse();
        assertThat(killed.get("signal").asString()).isEqualTo("SIGKILL"); // Overseer's name field stays
        var exited = SpecJson.exit(Exit.exited(3, at));
        assertThat(exited.get("exit_status").asInt()).isEqualTo(3);
        assertThat(exited.has("signo")).isFalse();
        assertThat(exited.get("signal").isNull()).isTrue();
        assertThat(SpecJson.exit(exited)).isEqualTo(Exit.exited(3, at));
    }
}
