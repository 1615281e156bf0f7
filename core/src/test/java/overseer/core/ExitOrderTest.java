package overseer.core;

import org.junit.jupiter.api.Test;
import overseer.core.spi.RuntimeProcess;
import overseer.core.spi.RuntimeTask;
import overseer.core.spi.TaskRuntime;

import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exit callback never waits for an operation in progress, and still no event of a process comes after
 * its /tasks/exit nor its /tasks/exit before its /tasks/start. A scripted runtime decides exactly when the
 * exit arrives: during the start, during a pause that blocks, during a resume.
 */
class ExitOrderTest {
    private static final Exit DONE = Exit.exited(0, Instant.EPOCH);

    /** One task whose runtime calls the test's hooks; the exit goes to {@link #exit}. */
    private static final class Scripted implements TaskRuntime, RuntimeTask {
        volatile Consumer<Exit> exit;
        volatile Runnable onStart = () -> { };
        volatile Runnable onPause = () -> { };
        volatile Runnable onResume = () -> { };

        @Override public String name() { return "scripted"; }
        @Override public Set<Feature> features() { return EnumSet.of(Feature.PAUSE); }
        @Override public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) { return this; }
        @Override public void close() { }
        @Override public long start(Consumer<Exit> onExit) { exit = onExit; onStart.run(); return 42; }
        @Override public void signal(Signal signal, boolean all) { }
        @Override public OutputStream stdin() { throw OverseerException.failedPrecondition("stdin is not a pipe"); }
        @Override public void closeStdin() { }
        @Override public void release() { }
        @Override public RuntimeProcess exec(String execId, ProcessSpec spec, ProcessOutput output) { throw new UnsupportedOperationException(); }
        @Override public void pause() { onPause.run(); }
        @Override public void resume() { onResume.run(); }
        @Override public List<ProcessInfo> pids() { return List.of(); }
    }

    private final Scripted runtime = new Scripted();
    private final Tasks tasks = new Tasks(runtime);
    private final Subscription events = tasks.events().subscribe(64, e -> true);

    private List<String> topics() {
        List<String> out = new ArrayList<>();
        for (Envelope e = events.poll().orElse(null); e != null; e = events.poll().orElse(null)) {
            out.add(e.topic());
        }
        return out;
    }

    @Test
    void anExitThatComesDuringTheStartIsPublishedRightAfterTheStart() throws Exception {
        runtime.onStart = () -> runtime.exit.accept(DONE);

        Task t = tasks.run(TaskSpec.of("early", ProcessSpec.of("true")));

        assertThat(t.await(Duration.ofSeconds(5))).contains(DONE);
        assertThat(t.status()).isEqualTo(Status.STOPPED);
        assertThat(topics()).containsExactly("/tasks/create", "/tasks/start", "/tasks/exit");
    }

    @Test
    void anExitDuringABlockedPauseIsPublishedAtOnceAndNoPausedFollowsIt() throws Exception {
        CountDownLatch inPause = new CountDownLatch(1);
        CountDownLatch letPauseGo = new CountDownLatch(1);
        runtime.onPause = () -> {
            inPause.countDown();
            try {
                letPauseGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Task t = tasks.run(TaskSpec.of("pausing", ProcessSpec.of("true")));
        // Threads of their own: the common pool may have a single thread on 2 CPUs, and the pause blocks it.
        CompletableFuture<Void> pause = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            t.pause();
            pause.complete(null);
        });
        assertThat(inPause.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(t.status()).isEqualTo(Status.PAUSING);

        // The runtime's own thread reports the exit while the pause holds the task's operation lock.
        Thread reporter = Thread.ofPlatform().start(() -> runtime.exit.accept(DONE));
        assertThat(reporter.join(Duration.ofSeconds(5))).as("the exit was reported without waiting for the pause").isTrue();

        assertThat(t.onExit()).isCompletedWithValue(DONE);
        assertThat(pause).isNotDone();
        letPauseGo.countDown();
        pause.get(5, TimeUnit.SECONDS);
        assertThat(t.status()).isEqualTo(Status.STOPPED);
        assertThat(topics()).containsExactly("/tasks/create", "/tasks/start", "/tasks/exit");
    }

    @Test
    void aResumeThatRacesWithTheExitPublishesNoResumed() throws Exception {
        Task t = tasks.run(TaskSpec.of("resuming", ProcessSpec.of("true")));
        t.pause();
        runtime.onResume = () -> runtime.exit.accept(DONE);

        t.resume();

        assertThat(t.status()).isEqualTo(Status.STOPPED);
        assertThat(topics()).containsExactly("/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/exit");
    }
}
