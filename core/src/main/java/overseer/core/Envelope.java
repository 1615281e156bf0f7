package overseer.core;

import java.time.Instant;

/**
 * An event as the bus delivers it.
 *
 * @param sequence  the bus-wide publication number (0 for an {@link Event.EventLoss}, which is per subscriber)
 * @param timestamp when it was published
 * @param namespace the namespace of the task it is about
 * @param event     the payload; {@code event.topic()} is its topic
 */
public record Envelope(long sequence, Instant timestamp, String namespace, Event event) {
    public String topic() {
        return event.topic();
    }
}
