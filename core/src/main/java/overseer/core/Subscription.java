package overseer.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One subscriber's bounded buffer on the {@link EventBus}. Take events with {@link #next()} or
 * {@link #poll(Duration)}; close it to stop receiving.
 */
public final class Subscription implements AutoCloseable {
    private final int capacity;
    private final Predicate<Envelope> filter;
    private final Consumer<Subscription> onClose;
    /** The bus's count of drops for this subscriber's name. */
    private final java.util.concurrent.atomic.LongAdder drops;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    // Holds events and loss markers; only events count against capacity.
    private final ArrayDeque<Envelope> buffer = new ArrayDeque<>();
    private int events;
    private long dropped;
    private boolean closed;

    Subscription(int capacity, Predicate<Envelope> filter, Consumer<Subscription> onClose,
                 java.util.concurrent.atomic.LongAdder drops) {
        this.drops = drops;
        this.capacity = capacity;
        this.filter = filter;
        this.onClose = onClose;
    }

    void offer(Envelope e) {
        if (!filter.test(e)) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (events >= capacity) {
                dropped++;
                drops.increment();
                return;
            }
            if (dropped > 0) {
                buffer.add(loss(e.timestamp()));
            }
            buffer.add(e);
            events++;
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The next event, waiting for one. */
    public Envelope next() throws InterruptedException {
        lock.lock();
        try {
            while (buffer.isEmpty() && dropped == 0) {
                ready.await();
            }
            return take();
        } finally {
            lock.unlock();
        }
    }

    /** The next event, waiting at most {@code timeout}. */
    public Optional<Envelope> poll(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (buffer.isEmpty() && dropped == 0) {
                if (nanos <= 0) {
                    return Optional.empty();
                }
                nanos = ready.awaitNanos(nanos);
            }
            return Optional.of(take());
        } finally {
            lock.unlock();
        }
    }

    /** The next event if one is buffered. */
    public Optional<Envelope> poll() {
        lock.lock();
        try {
            return buffer.isEmpty() && dropped == 0 ? Optional.empty() : Optional.of(take());
        } finally {
            lock.unlock();
        }
    }

    private Envelope take() {
        if (buffer.isEmpty()) {
            return loss(Instant.now()); // the drops are the newest thing this subscriber has not seen
        }
        Envelope e = buffer.poll();
        if (!(e.event() instanceof Event.EventLoss)) {
            events--;
        }
        return e;
    }

    private Envelope loss(Instant at) {
        long n = dropped;
        dropped = 0;
        return new Envelope(0, at, "", new Event.EventLoss(n));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            buffer.clear();
        } finally {
            lock.unlock();
        }
        onClose.accept(this);
    }

}
