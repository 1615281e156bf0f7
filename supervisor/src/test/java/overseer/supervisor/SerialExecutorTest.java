package overseer.supervisor;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The executor of a job's hooks and a slice's listeners: in order, one at a time, never on the caller's thread. */
class SerialExecutorTest {
    @Test
    void tasksRunInOrderOneAtATimeOffTheCallersThread() throws Exception {
        SerialExecutor e = new SerialExecutor("test");
        List<Integer> ran = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        List<Integer> overlaps = new CopyOnWriteArrayList<>();
        CountDownLatch gate = new CountDownLatch(1);
        Thread caller = Thread.currentThread();
        List<Boolean> onCaller = new CopyOnWriteArrayList<>();
        e.execute(() -> {
            try {
                gate.await(); // the ones after it queue up meanwhile
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        for (int i = 0; i < 100; i++) {
            int n = i;
            e.execute(() -> {
                if (running.incrementAndGet() > 1) {
                    overlaps.add(n);
                }
                onCaller.add(Thread.currentThread() == caller);
                ran.add(n);
                running.decrementAndGet();
            });
        }
        gate.countDown();
        e.awaitIdle();
        assertThat(ran).hasSize(100).isSorted();
        assertThat(overlaps).isEmpty();
        assertThat(onCaller).containsOnly(false);
    }

    @Test
    void aTaskThatThrowsDoesNotStopTheOnesAfterIt() throws Exception {
        SerialExecutor e = new SerialExecutor("test");
        CompletableFuture<String> after = new CompletableFuture<>();
        e.execute(() -> {
            throw new IllegalStateException("a broken hook");
        });
        e.execute(() -> after.complete("ran"));
        e.awaitIdle();
        assertThat(after).isCompletedWithValue("ran");
    }

    /** A listener that stops its slice must not wait for itself. */
    @Test
    void aTaskKnowsItIsOneAndCannotWaitForTheOnesAfterIt() throws Exception {
        SerialExecutor e = new SerialExecutor("test");
        CompletableFuture<Throwable> waited = new CompletableFuture<>();
        CompletableFuture<Boolean> current = new CompletableFuture<>();
        e.execute(() -> {
            current.complete(e.isCurrent());
            try {
                e.awaitIdle();
                waited.complete(null);
            } catch (Throwable t) {
                waited.complete(t);
            }
        });
        e.awaitIdle();
        assertThat(current).isCompletedWithValue(true);
        assertThat(e.isCurrent()).isFalse();
        assertThat(waited.get()).isInstanceOf(IllegalStateException.class)
                .hasMessage("test: a task cannot wait for the tasks queued after it");
    }
}
