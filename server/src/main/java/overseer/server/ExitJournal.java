package overseer.server;

import overseer.core.Envelope;
import overseer.core.EventBus;
import overseer.core.spi.StateStore;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Predicate;

/**
 * The event bus's journal in the daemon: every exit reaches the store before any subscriber hears of it,
 * and event numbers are reserved in the store ahead of use, so a new daemon continues after the highest
 * one any predecessor could have published.
 *
 * <p>A store error never stops the recording: the write is tried again a few times at once, then kept and
 * retried in the background until it lands, while later exits are recorded as usual.
 */
final class ExitJournal implements EventBus.Journal, AutoCloseable {
    private static final int TRIES = 4;
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final StateStore store;
    private final Predicate<Envelope> record;
    private final java.util.function.Consumer<Envelope> lifecycle;
    private final Deque<Envelope> pending = new ArrayDeque<>();
    private final Thread retrier;
    private long reserved;
    private volatile boolean closed;

    /** {@code record} writes an event down and says whether it was one to write; it throws when the store fails. */
    ExitJournal(StateStore store, long last, Predicate<Envelope> record) {
        this(store, last, record, e -> { });
    }

    /**
     * With {@code lifecycle}, told of every event as it is published, in the bus's one order, before any
     * subscriber (so a start's log line always comes before its exit's): it keeps, counts and logs, quick, and
     * never throws.
     */
    ExitJournal(StateStore store, long last, Predicate<Envelope> record, java.util.function.Consumer<Envelope> lifecycle) {
        this.store = store;
        this.record = record;
        this.lifecycle = lifecycle;
        this.reserved = last;
        reserve(last);
        this.retrier = Thread.ofVirtual().name("exit-journal-retry").start(this::retryPending);
    }

    private void reserve(long from) {
        long next = from + TaskService.EVENT_BLOCK;
        store.reserveEvents(next);
        reserved = next;
    }

    @Override
    public void record(Envelope e) {
        if (closed) {
            return; // the daemon is gone: its store too; the next daemon learns the exit from the runtime
        }
        if (e.sequence() >= reserved) {
            try {
                reserve(e.sequence());
            } catch (RuntimeException storeDown) {
                TaskService.warn("event numbers: cannot reserve past " + e.sequence() + ": " + storeDown.getMessage());
            }
        }
        lifecycle.accept(e);
        if (!e.topic().equals("/tasks/exit")) {
            return;
        }
        RuntimeException last = null;
        for (int i = 0; i < TRIES; i++) {
            try {
                record.test(e);
                return;
            } catch (RuntimeException storeFailed) {
                last = storeFailed;
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10L << i).toNanos());
            }
        }
        TaskService.warn("exit of " + e.namespace() + "/" + e.event() + " not recorded yet (" + last.getMessage()
                + "); retrying in the background");
        synchronized (pending) {
            pending.add(e);
        }
    }

    /** How many exits wait for the store. */
    int pending() {
        synchronized (pending) {
            return pending.size();
        }
    }

    private void retryPending() {
        try {
            while (true) {
                Thread.sleep(RETRY);
                while (true) {
                    Envelope e;
                    synchronized (pending) {
                        e = pending.peekFirst();
                    }
                    if (e == null) {
                        break;
                    }
                    try {
                        record.test(e);
                    } catch (RuntimeException stillFailing) {
                        break;
                    }
                    synchronized (pending) {
                        pending.removeFirst();
                    }
                }
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        retrier.interrupt();
    }
}
