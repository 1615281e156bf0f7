package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Exit;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.TaskSpec;
import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeTask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No exit lost: the exit listener runs while the process is still an unreaped zombie (so a daemon that dies
 * before recording it leaves the zombie to the monitor), and a reattached process that is not our child
 * takes its exit from the exits directory the monitor writes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordBeforeReapTest {
    @TempDir
    Path dir;

    @Test
    void theListenerSeesTheExitWhileTheProcessIsStillAZombie() throws Exception {
        try (NativeRuntime rt = new NativeRuntime()) {
            TaskSpec spec = TaskSpec.of("zombie", ProcessSpec.builder("/bin/sh", "-c", "sleep 0.3; exit 3").build());
            RuntimeTask task = rt.create("ns", spec, new ProcessOutput(spec.process()));
            CompletableFuture<Character> stateAtExit = new CompletableFuture<>();
            CompletableFuture<Exit> exit = new CompletableFuture<>();
            long[] pid = {0};
            pid[0] = task.start(e -> {
                stateAtExit.complete(ProcFs.stat(pid[0]).map(ProcFs.Stat::state).orElse('?'));
                exit.complete(e);
            });
            assertThat(exit.get(10, TimeUnit.SECONDS).exitCode()).isEqualTo(3);
            assertThat(stateAtExit.get()).as("/proc/%d/stat state while the exit is recorded", pid[0]).isEqualTo('Z');
            await().atMost(Duration.ofSeconds(5)).until(() -> ProcFs.stat(pid[0]).isEmpty()); // reaped right after
            task.release();
            assertThat(rt.watched()).isZero();
        }
    }

    @Test
    void aReattachedProcessThatIsNotOurChildTakesItsExitFromTheExitsDirectory() throws Exception {
        long[] orphan = orphan("sleep 0.5");
        Path exits = dir.resolve("exits");
        try (NativeRuntime rt = new NativeRuntime(NativeRuntime.Options.defaults().withExitDir(exits))) {
            TaskSpec spec = TaskSpec.of("orphan", ProcessSpec.builder("/bin/sleep", "0.5").build());
            TaskRuntime.Adopted adopted = rt.reattach("ns", spec, new ProcessOutput(spec.process()), orphan[0], orphan[1]);
            await().atMost(Duration.ofSeconds(10)).until(() -> ProcFs.stat(orphan[0]).isEmpty());
            // The monitor writes the file just after the exit: a little late is still in time.
            Thread.sleep(300);
            Instant at = Instant.parse("2030-01-02T03:04:05Z");
            ExitFiles.write(exits, orphan[0], orphan[1], Exit.exited(7, at));
            Optional<Exit> exit = adopted.exit().get(10, TimeUnit.SECONDS);
            assertThat(exit).hasValueSatisfying(e -> {
                assertThat(e.exitCode()).isEqualTo(7);
                assertThat(e.exitedAt()).isEqualTo(at);
            });
            adopted.task().release();
            assertThat(ExitFiles.file(exits, orphan[0], orphan[1])).as("consumed").doesNotExist();
        }
    }

    @Test
    void aProcessGoneBeforeTheReattachTakesItsRecordedExitAndOneWithoutARecordStaysUnknown() throws Exception {
        long[] orphan = orphan("exit 0");
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcFs.stat(orphan[0]).isEmpty());
        Path exits = dir.resolve("exits");
        ExitFiles.write(exits, orphan[0], orphan[1], Exit.killed(overseer.core.Signal.SIGKILL, false, Instant.now()));
        try (NativeRuntime rt = new NativeRuntime(NativeRuntime.Options.defaults().withExitDir(exits))) {
            TaskSpec spec = TaskSpec.of("gone", ProcessSpec.builder("/bin/true").build());
            TaskRuntime.Adopted gone = rt.reattach("ns", spec, new ProcessOutput(spec.process()), orphan[0], orphan[1]);
            assertThat(gone.exit().get(10, TimeUnit.SECONDS)).hasValueSatisfying(e -> {
                assertThat(e.exitCode()).isEqualTo(137);
                assertThat(e.signal()).contains(overseer.core.Signal.SIGKILL);
            });
            TaskRuntime.Adopted unrecorded = rt.reattach("ns", spec, new ProcessOutput(spec.process()), orphan[0], orphan[1] + 1);
            assertThat(unrecorded.exit().get(20, TimeUnit.SECONDS)).isEmpty();
        }
    }

    /**
     * A process that is not this JVM's child: a background job of a shell that exits at once, reparented to
     * init. Returns its pid and start time.
     */
    private long[] orphan(String script) throws Exception {
        Path pidFile = dir.resolve("pid-" + System.nanoTime());
        try (NativeRuntime rt = new NativeRuntime()) {
            TaskSpec spec = TaskSpec.of("parent", ProcessSpec.builder("/bin/sh", "-c",
                    "sh -c '" + script + "' & echo $! > " + pidFile + "; exec sleep 0.1").stdout(Redirect.NULL).build());
            RuntimeTask t = rt.create("ns", spec, new ProcessOutput(spec.process()));
            CompletableFuture<Exit> exit = new CompletableFuture<>();
            t.start(exit::complete);
            exit.get(10, TimeUnit.SECONDS);
            t.release();
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        long start = ProcFs.startTimeEvenIfZombie(pid).orElse(1);
        return new long[]{pid, start};
    }
}
