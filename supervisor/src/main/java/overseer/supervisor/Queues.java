package overseer.supervisor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Named queues: jobs sharing a queue name run one at a time, in the order they were submitted. A job takes
 * its place when it is submitted (on the submitting thread), not when its own thread gets to run, so the
 * order is the submission order.
 */
final class Queues {
    private final Map<String, ArrayDeque<CompletableFuture<Void>>> queues = new HashMap<>();

    /** Takes a place in {@code name}; the ticket completes when it is this place's turn. */
    synchronized CompletableFuture<Void> enqueue(String name) {
        ArrayDeque<CompletableFuture<Void>> q = queues.computeIfAbsent(name, n -> new ArrayDeque<>());
        CompletableFuture<Void> ticket = new CompletableFuture<>();
        q.add(ticket);
        if (q.size() == 1) {
            ticket.complete(null);
        }
        return ticket;
    }

    /** Gives up a place, whether its turn came or not; the next place's turn comes if this one had it. */
    synchronized void leave(String name, CompletableFuture<Void> ticket) {
        ArrayDeque<CompletableFuture<Void>> q = queues.get(name);
        if (q == null) {
            return;
        }
        boolean head = q.peek() == ticket;
        q.remove(ticket);
        if (q.isEmpty()) {
            queues.remove(name);
        } else if (head) {
            q.peek().complete(null);
        }
    }
}
