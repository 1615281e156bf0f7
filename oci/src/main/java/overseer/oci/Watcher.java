package overseer.oci;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A thread that learns, through inotify (the JDK's WatchService), when conmon wrote to a log or dropped an
 * exit file, and runs the callbacks of the directories concerned. conmon daemonizes, so it is not Overseer's
 * child and no pidfd or waitid can report its end; its files are the interface (as they are for CRI-O).
 * Callbacks run one at a time on a second thread.
 */
final class Watcher implements AutoCloseable {
    private final WatchService service;
    private final Map<WatchKey, List<Runnable>> callbacks = new ConcurrentHashMap<>();
    private static final Runnable STOP = () -> { };
    private final LinkedBlockingQueue<Runnable> work = new LinkedBlockingQueue<>();
    private final Thread watcher;
    private final Thread dispatcher;
    private volatile boolean closed;

    Watcher() {
        try {
            service = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new IllegalStateException("no inotify", e);
        }
        watcher = Thread.ofPlatform().daemon().name("overseer-oci-inotify").start(this::watch);
        dispatcher = Thread.ofPlatform().daemon().name("overseer-oci-exits").start(this::dispatch);
    }

    /** Runs {@code callback} whenever something is created or written in one of {@code dirs}. */
    List<WatchKey> register(Runnable callback, Path... dirs) throws IOException {
        List<WatchKey> keys = new java.util.ArrayList<>();
        for (Path d : dirs) {
            WatchKey k = d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            callbacks.computeIfAbsent(k, x -> new CopyOnWriteArrayList<>()).add(callback);
            keys.add(k);
        }
        return keys;
    }

    void unregister(Runnable callback, List<WatchKey> keys) {
        for (WatchKey k : keys) {
            List<Runnable> l = callbacks.get(k);
            if (l != null) {
                l.remove(callback);
                if (l.isEmpty()) {
                    callbacks.remove(k);
                    k.cancel();
                }
            }
        }
    }

    /** Runs {@code callback} on the dispatch thread soon, whether or not a file changed. */
    void poke(Runnable callback) {
        work.add(callback);
    }

    /** Turns inotify events into work; never runs a callback itself, so a slow one cannot delay the events. */
    private void watch() {
        while (!closed) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            boolean overflow = key.pollEvents().stream().anyMatch(e -> e.kind() == StandardWatchEventKinds.OVERFLOW);
            key.reset();
            if (overflow) {
                callbacks.values().forEach(work::addAll);
            } else {
                work.addAll(callbacks.getOrDefault(key, List.of()));
            }
        }
    }

    private void dispatch() {
        while (true) {
            Runnable r;
            try {
                r = work.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r == STOP) {
                return;
            }
            run(r);
        }
    }

    private static void run(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // One task's broken files must not stop the others' exits from being seen.
            System.getLogger(Watcher.class.getName()).log(System.Logger.Level.WARNING, "oci watcher callback failed", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            service.close();
        } catch (IOException e) {
            // closing anyway
        }
        work.add(STOP);
    }
}
