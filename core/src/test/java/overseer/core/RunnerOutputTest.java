package overseer.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Runner's result is complete: every byte written before the exit is in it. On the portable runtime the
 * exit and the last reads race widely (a reader thread per stream, the JDK's reaper for the exit): a result
 * made at the exit missed the end of the output in about a third of these runs.
 */
class RunnerOutputTest {
    private final Tasks tasks = new Tasks(new PortableRuntime());

    @AfterEach
    void close() {
        tasks.close();
    }

    @Test
    void everyByteWrittenJustBeforeTheExitIsInTheResult() throws Exception {
        Runner r = Runner.of("/bin/sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; head -c 65536 /dev/zero >&2; exit 3");
        for (int i = 0; i < 10; i++) {
            RunResult result = r.run(tasks, Tasks.DEFAULT_NAMESPACE);
            assertThat(result.exitCode()).isEqualTo(3);
            assertThat(result.stdoutBytes()).as("run %d", i).hasSize(1 << 20);
            assertThat(result.stderrBytes()).as("run %d", i).hasSize(1 << 16);
        }
        assertThat(tasks.list()).as("each run's task is deleted").isEmpty();
    }

    @Test
    void aTimeoutEndsTheRunAndSaysSo() throws Exception {
        RunResult result = Runner.of("/bin/sh", "-c", "echo started; exec sleep 60").timeout(Duration.ofMillis(300))
                .stopGrace(Duration.ofSeconds(5)).run(tasks, Tasks.DEFAULT_NAMESPACE);
        assertThat(result.timedOut()).isTrue();
        assertThat(result.success()).isFalse();
        assertThat(result.stdout()).isEqualTo("started\n");
    }

    @Test
    void anEmptyCommandOrAZeroTimeoutIsRefusedNamingTheField() {
        assertThat(catchField(() -> Runner.of())).contains("command");
        assertThat(catchField(() -> Runner.of("/bin/true").timeout(Duration.ZERO))).contains("timeout");
    }

    private static java.util.Optional<String> catchField(Runnable r) {
        try {
            r.run();
        } catch (OverseerException e) {
            return e.field();
        }
        throw new AssertionError("not refused");
    }
}
