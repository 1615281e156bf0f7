package overseer.bench;

import overseer.core.Envelope;
import overseer.core.Event;
import overseer.core.EventBus;
import overseer.core.Subscription;
import overseer.core.Task;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes /tasks/exit events off the bus on a dedicated platform thread and notes, per task, when each
 * arrived: System.nanoTime() for the kill-to-event latency, and the wall clock for the latency from the
 * runtime's observed exit (Exit.exitedAt, an Instant) to the event.
 */
final class ExitRecorder implements AutoCloseable {
    private final Subscription subscription;
    private final Map<String, Integer> index = new HashMap<>();
    private final long[] receivedNanos;
    private final long[] exitToReceiptNanos;
    /**
     * The bus's publication (Envelope.timestamp) → receipt, both to the microsecond: the subscriber's part.
     * (Exit.exitedAt is kept to the millisecond, as the store keeps it, so exit → receipt overstates by 0–1 ms.)
     */
    private final long[] publishToReceiptNanos;
    /**
     * Arrivals, and how many the waiter wants: it is woken once, when they are all in, not at every event
     * (a wake-up per event put the waiting thread on the CPUs during the very burst being measured).
     */
    private int arrived;
    private int wanted = Integer.MAX_VALUE;
    private int taken;
    private final AtomicLong lost = new AtomicLong();
    private final Thread thread;

    ExitRecorder(EventBus bus, List<Task> tasks) {
        for (int i = 0; i < tasks.size(); i++) {
            index.put(tasks.get(i).id(), i);
        }
        receivedNanos = new long[tasks.size()];
        exitToReceiptNanos = new long[tasks.size()];
        publishToReceiptNanos = new long[tasks.size()];
        // Room for every exit: a loss would mean the figures measure the buffer, not the runtime.
        subscription = bus.subscribe(tasks.size() + 1, EventBus.topics("/tasks/exit"));
        thread = Thread.ofPlatform().name("bench-exit-recorder").daemon(true).start(this::run);
    }

    private void run() {
        try {
            while (true) {
                Envelope e = subscription.next();
                long now = System.nanoTime();
                Instant wall = Instant.now();
                switch (e.event()) {
                    case Event.TaskExit x when index.containsKey(x.taskId()) -> {
                        int i = index.get(x.taskId());
                        receivedNanos[i] = now;
                        exitToReceiptNanos[i] = Duration.between(x.exit().exitedAt(), wall).toNanos();
                        publishToReceiptNanos[i] = Duration.between(e.timestamp(), wall).toNanos();
                        arrivedOne();
                    }
                    case Event.EventLoss loss -> lost.addAndGet(loss.count());
                    default -> {
                    }
                }
            }
        } catch (InterruptedException closing) {
            // close() ends the recording
        }
    }

    private synchronized void arrivedOne() {
        if (++arrived >= wanted) {
            notifyAll();
        }
    }

    /** Waits for {@code n} more exit events; the monitor also publishes the arrays to the caller. */
    synchronized void await(int n, Duration timeout) throws InterruptedException {
        wanted = taken + n;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (arrived < wanted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(n + " exit events did not all arrive within " + timeout
                            + " (events lost by the subscription: " + lost.get() + ")");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            taken = wanted;
        } finally {
            wanted = Integer.MAX_VALUE;
        }
    }

    long receivedNanos(int i) {
        return receivedNanos[i];
    }

    long exitToReceiptNanos(int i) {
        return exitToReceiptNanos[i];
    }

    long publishToReceiptNanos(int i) {
        return publishToReceiptNanos[i];
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        subscription.close();
    }
}
