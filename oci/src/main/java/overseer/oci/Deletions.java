package overseer.oci;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * The deletions of stopped containers still under way, by task ("NS/ID"): a runtime's delete is one more
 * run of runc or crun, which a Task.delete need not wait for. A new task of the same name, a purge and a
 * close wait for it instead.
 */
final class Deletions {
    private static final Executor VIRTUAL = Executors.newVirtualThreadPerTaskExecutor();

    private final boolean inBackground;
    private final Map<String, CompletableFuture<Void>> running = new ConcurrentHashMap<>();

    Deletions(boolean inBackground) {
        this.inBackground = inBackground;
    }

    /** Runs {@code work} for {@code key}: on a virtual thread when deleting in the background and {@code slow}, else now. */
    void run(String key, boolean slow, Runnable work) {
        if (!inBackground || !slow) {
            work.run();
            return;
        }
        CompletableFuture<Void> f = CompletableFuture.runAsync(work, VIRTUAL);
        running.put(key, f);
        f.whenComplete((v, e) -> running.remove(key, f));
    }

    boolean underWay(String key) {
        return running.containsKey(key);
    }

    /** Waits for the deletion of {@code key}, if one is under way. */
    void await(String key) {
        CompletableFuture<Void> f = running.get(key);
        if (f != null) {
            f.join();
        }
    }

    void awaitAll() {
        running.values().forEach(CompletableFuture::join);
    }

    /** Completes once the deletion of {@code key} is done (at once when there is none). */
    CompletableFuture<Void> done(String key) {
        CompletableFuture<Void> f = running.get(key);
        return f == null ? CompletableFuture.completedFuture(null) : f.copy();
    }
}
