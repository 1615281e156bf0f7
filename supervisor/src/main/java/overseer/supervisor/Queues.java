package overseer.supervisor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/** Named queues: jobs sharing a queue name run one at a time, first come first served. */
final class Queues {
    private final Map<String, Semaphore> queues = new ConcurrentHashMap<>();

    /** Waits for the turn of the caller on {@code name}; interruptible, so a queued job can be killed. */
    void acquire(String name) throws InterruptedException {
        queues.computeIfAbsent(name, n -> new Semaphore(1, true)).acquire();
    }

    void release(String name) {
        queues.get(name).release();
    }
}
