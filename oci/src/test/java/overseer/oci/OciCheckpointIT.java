package overseer.oci;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ErrorKind;
import overseer.core.Isolation;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Checkpoint and restore through criu, where criu works; a plain "unsupported" with the reason where it does not. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OciCheckpointIT {
    private static final String NS = "criu";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private OciRuntime runtime;
    private Tasks tasks;

    @BeforeEach
    void open() {
        OciTesting.assumeUsable();
        runtime = OciTesting.builder("runc").isolation(Isolation.builder().seccomp(Isolation.Seccomp.UNCONFINED).build()).build();
        tasks = new Tasks(runtime);
    }

    @AfterEach
    void close() {
        if (tasks != null) {
            tasks.close();
        }
    }

    @AfterAll
    static void leaveNothing() {
        OciTesting.destroyAll();
    }

    private Task counter(String id) {
        Task t = tasks.create(NS, TaskSpec.of(id, ProcessSpec.builder("/bin/sh", "-c",
                "i=${START:-0}; while :; do echo $i; i=$((i+1)); sleep 0.05; done").env("PATH", "/usr/bin:/bin")
                .stdout(Redirect.PIPE).build()));
        t.start();
        return t;
    }

    @Test
    void whereCriuFailsCheckpointIsUnsupportedWithTheReason(@TempDir Path image) throws Exception {
        OciInfo info = runtime.info();
        assumeFalse(info.checkpoint(), "criu works here: the real checkpoint test covers it");
        Task t = counter("nocriu");

        OverseerException e = catchThrowableOfType(OverseerException.class,
                () -> t.checkpoint(image, true));

        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(e.getMessage()).startsWith("checkpoint is unsupported: ").contains(info.checkpointReason());
        assertThat(info.checkpointReason()).isNotBlank();
        t.kill(java.time.Instant.now().plus(WAIT)); // the shell is pid 1: Tasks.close's SIGTERM would not reach it
    }

    @Test
    void aCheckpointedTaskIsRestoredWhereItStopped(@TempDir Path image) throws Exception {
        OciInfo info = runtime.info();
        assumeTrue(info.checkpoint(), "checkpoint is unsupported here: " + info.checkpointReason());
        Task t = counter("counted");
        await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines().size() >= 5);

        try (var events = tasks.events().subscribe(16, overseer.core.EventBus.topics("/tasks/checkpointed"))) {
            t.checkpoint(image, false);
            assertThat(events.poll(WAIT)).hasValueSatisfying(e -> assertThat(e.event())
                    .isEqualTo(new overseer.core.Event.TaskCheckpointed("counted", image.toString())));
        }
        t.await(WAIT).orElseThrow();
        List<String> before = t.output().tail(LogStream.STDOUT).lines();
        int last = Integer.parseInt(before.getLast());
        t.delete();

        runtime.restoreOnStart(NS, "counted", image);
        Task again = tasks.create(NS, TaskSpec.of("counted", ProcessSpec.builder("/bin/sh").stdout(Redirect.PIPE).build()));
        again.start();

        await().atMost(WAIT).until(() -> !again.output().tail(LogStream.STDOUT).lines().isEmpty());
        assertThat(Integer.parseInt(again.output().tail(LogStream.STDOUT).lines().getFirst())).isGreaterThan(last);
        again.kill(java.time.Instant.now().plus(WAIT));
    }
}
