package overseer.server;

import overseer.core.Envelope;
import overseer.core.EventBus;
import overseer.core.Subscription;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The daemon's last events, kept so that a client that connects late (after a restart published the exits
 * it missed, say) can ask for what happened since a sequence number: GET /v1/events?since=N.
 */
final class RecentEvents implements AutoCloseable {
    static final int CAPACITY = 10_000;

    private final ArrayDeque<Envelope> recent = new ArrayDeque<>();
    private final Subscription subscription;
    private final Thread keeper;

    RecentEvents(EventBus bus) {
        subscription = bus.subscribe("recent-events", CAPACITY, e -> true);
        keeper = Thread.ofVirtual().name("recent-events").start(this::keep);
    }

    private void keep() {
        try {
            while (true) {
                Envelope e = subscription.next();
                synchronized (this) {
                    if (recent.size() == CAPACITY) {
                        recent.poll();
                    }
                    recent.add(e);
                }
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        }
    }

    /** The kept events with a sequence number above {@code since}, oldest first. */
    synchronized List<Envelope> since(long since) {
        return recent.stream().filter(e -> e.sequence() > since).toList();
    }

    @Override
    public void close() {
        keeper.interrupt();
        subscription.close();
    }
}
