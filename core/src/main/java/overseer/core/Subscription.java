package overseer.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One subscriber's bounded buffer on the {@link EventBus}. Take events with {@link #next()} or
 * {@link #poll(Duration)}; close it to stop receiving.
 *
 * <p>The publisher and the reader share no lock. A publisher that held one while it woke the reader could be
 * preempted before it let go, and the reader, woken, would wait for it: in a burst of exits on a busy machine
 * that is milliseconds behind every runnable process. Here the publisher (one at a time: the bus serialises
 * them) appends and unparks; readers take turns among themselves only.
 */
public final class Subscription implements AutoCloseable {
    private final int capacity;
    private final Predicate<Envelope> filter;
    private final Consumer<Subscription> onClose;
    /** The bus's count of drops for this subscriber's name. */
    private final LongAdder drops;
    /** Events and loss markers; only events count against capacity. */
    private final ConcurrentLinkedQueue<Envelope> buffer = new ConcurrentLinkedQueue<>();
    private final AtomicInteger events = new AtomicInteger();
    /** Drops not yet reported in a loss marker: the publisher adds, whoever reports takes the whole count. */
    private final AtomicLong dropped = new AtomicLong();
    /** Readers take turns; the one waiting is {@link #waiter}, which the publisher unparks. */
    private final ReentrantLock readers = new ReentrantLock();
    private volatile Thread waiter;
    private volatile boolean closed;

    Subscription(int capacity, Predicate<Envelope> filter, Consumer<Subscription> onClose, LongAdder drops) {
        this.drops = drops;
        this.capacity = capacity;
        this.filter = filter;
        this.onClose = onClose;
    }

    /** Called by the bus, one publisher at a time. */
    void offer(Envelope e) {
        if (closed || !filter.test(e)) {
            return;
        }
        if (events.get() >= capacity) {
            dropped.incrementAndGet();
            drops.increment();
            return;
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            buffer.add(loss(lost, e.timestamp()));
        }
        events.incrementAndGet();
        buffer.add(e);
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** The next event, waiting for one. */
    public Envelope next() throws InterruptedException {
        return take(Long.MAX_VALUE).orElseThrow();
    }

    /** The next event, waiting at most {@code timeout}. */
    public Optional<Envelope> poll(Duration timeout) throws InterruptedException {
        return take(Math.max(0, timeout.toNanos()));
    }

    /** The next event if one is buffered. */
    public Optional<Envelope> poll() {
        readers.lock();
        try {
            return Optional.ofNullable(takeNow());
        } finally {
            readers.unlock();
        }
    }

    /** Waits up to {@code nanos} ({@code Long.MAX_VALUE}: for ever) for an event or a loss. */
    private Optional<Envelope> take(long nanos) throws InterruptedException {
        readers.lock();
        try {
            long deadline = System.nanoTime() + nanos;
            while (true) {
                Envelope e = takeNow();
                if (e != null) {
                    return Optional.of(e);
                }
                long left = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                waiter = Thread.currentThread();
                try {
                    // Checked again once the publisher can see the waiter: an event added before it would be missed.
                    if (buffer.isEmpty() && dropped.get() == 0) {
                        if (left == Long.MAX_VALUE) {
                            LockSupport.park(this);
                        } else {
                            LockSupport.parkNanos(this, left);
                        }
                    }
                } finally {
                    waiter = null;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            readers.unlock();
        }
    }

    /** The next event or loss, or null; only with {@link #readers} held. */
    private Envelope takeNow() {
        Envelope e = buffer.poll();
        if (e == null) {
            long lost = dropped.getAndSet(0);
            // The drops are the newest thing this subscriber has not seen.
            return lost > 0 ? loss(lost, Instant.now()) : null;
        }
        if (!(e.event() instanceof Event.EventLoss)) {
            events.decrementAndGet();
        }
        return e;
    }

    private static Envelope loss(long n, Instant at) {
        return new Envelope(0, at, "", new Event.EventLoss(n));
    }

    @Override
    public void close() {
        closed = true;
        buffer.clear();
        onClose.accept(this);
    }
}
