package overseer.core;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Fan-out of task events. Publishing never waits for a subscriber: each subscriber has a bounded buffer,
 * and one that falls behind gets a single {@link Event.EventLoss} with the exact number it missed, in the
 * place where the gap is, then the events that came after.
 */
public final class EventBus {
    public static final int DEFAULT_CAPACITY = 1024;

    private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();
    // Serialises publication so that every subscriber sees events in one global order.
    private final ReentrantLock order = new ReentrantLock();
    private final AtomicLong sequence;
    /** Events dropped for each subscriber name, over all its subscriptions, since the bus was made. */
    private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.LongAdder> dropped =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** The name of subscriptions made without one. */
    public static final String UNNAMED = "unnamed";
    private volatile Journal journal = e -> { };

    /**
     * Sees every event synchronously, in order, before any subscriber does: what a daemon must not lose
     * (an exit) is written down before anyone can act on it. Unlike a subscriber it may block publication,
     * so it must be quick and must not throw.
     */
    @FunctionalInterface
    public interface Journal {
        void record(Envelope e);
    }

    public EventBus() {
        this(0);
    }

    /** Numbers events from {@code after + 1}: a daemon continues its predecessor's sequence. */
    public EventBus(long after) {
        if (after < 0) {
            throw OverseerException.invalidField("after", "must not be negative, got %d", after);
        }
        this.sequence = new AtomicLong(after);
    }

    /** Sets the one journal (replacing any earlier one). */
    public void journal(Journal j) {
        this.journal = java.util.Objects.requireNonNull(j, "journal");
    }

    /** The number of the last event published. */
    public long lastSequence() {
        return sequence.get();
    }

    public void publish(String namespace, Event event) {
        order.lock();
        try {
            Envelope e = new Envelope(sequence.incrementAndGet(), Instant.now(), namespace, event);
            journal.record(e);
            for (Subscription s : subscribers) {
                s.offer(e);
            }
        } finally {
            order.unlock();
        }
    }

    /** Every event, with the default buffer. */
    public Subscription subscribe() {
        return subscribe(DEFAULT_CAPACITY, e -> true);
    }

    /**
     * Events that pass {@code filter}, buffered up to {@code capacity} events.
     */
    public Subscription subscribe(int capacity, Predicate<Envelope> filter) {
        return subscribe(UNNAMED, capacity, filter);
    }

    /**
     * Events that pass {@code filter}, buffered up to {@code capacity} events, for the subscriber
     * {@code name}: what it loses counts toward {@link #dropped()} under that name. Names are kinds of
     * subscriber ("api-events", "fleet-node"), a few, not one per subscription.
     */
    public Subscription subscribe(String name, int capacity, Predicate<Envelope> filter) {
        if (name == null || name.isBlank()) {
            throw OverseerException.invalidArgument("name: a subscriber needs a name, got \"%s\"", name);
        }
        if (capacity < 1) {
            throw OverseerException.invalidField("capacity", "must be at least 1, got %d", capacity);
        }
        Subscription s = new Subscription(capacity, filter, subscribers::remove,
                dropped.computeIfAbsent(name, n -> new java.util.concurrent.atomic.LongAdder()));
        subscribers.add(s);
        return s;
    }

    /** A filter on topics: "/tasks/exit" exactly, or a prefix ending in '*' ("/tasks/*"). */
    public static Predicate<Envelope> topics(String... patterns) {
        return e -> {
            for (String p : patterns) {
                if (p.endsWith("*") ? e.topic().startsWith(p.substring(0, p.length() - 1)) : e.topic().equals(p)) {
                    return true;
                }
            }
            return false;
        };
    }

    /** Events dropped because a subscriber's buffer was full, by subscriber name, since the bus was made. */
    public java.util.SortedMap<String, Long> dropped() {
        java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
        dropped.forEach((name, n) -> out.put(name, n.sum()));
        return out;
    }

    public int subscriberCount() {
        return subscribers.size();
    }
}
