package overseer.server;

import overseer.core.Envelope;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The daemon's last events, kept so that a client that connects late (after a restart published the exits
 * it missed, say) can ask for what happened since a sequence number: GET /v1/events?since=N.
 *
 * <p>Kept by the bus's journal, synchronously, before any subscriber hears of an event: a stream that
 * subscribes and then replays from here has no gap between the two. (Kept from a subscription of its own,
 * an event published just before a stream subscribed could still be on its way here, and so in neither.)
 */
final class RecentEvents implements AutoCloseable {
    static final int CAPACITY = 10_000;

    private final ArrayDeque<Envelope> recent = new ArrayDeque<>();

    /** From the journal: quick, never blocks on anything but this buffer. */
    synchronized void add(Envelope e) {
        if (recent.size() == CAPACITY) {
            recent.poll();
        }
        recent.add(e);
    }

    /** The kept events with a sequence number above {@code since}, oldest first. */
    synchronized List<Envelope> since(long since) {
        return recent.stream().filter(e -> e.sequence() > since).toList();
    }

    @Override
    public void close() {
        // nothing runs: the journal stops calling when the daemon closes it
    }
}
