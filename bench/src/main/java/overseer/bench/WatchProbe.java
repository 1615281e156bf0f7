package overseer.bench;

import overseer.linux.DirectoryWatch;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How long an isolated task's exit file takes to reach Overseer's callback, and what watching a task's two
 * directories costs, through {@link DirectoryWatch} and through the JDK's WatchService in the shape the oci
 * module used before it (a thread taking keys off the service, a second running the callbacks). Each round
 * makes a task's two directories, watches them, writes the exit file, times the callback, cancels the watch
 * and removes the directories; the two alternate round by round. Prints p50/p99 of each step.
 *
 * <pre>bench/run.sh probe watch [ROUNDS]</pre>
 */
public final class WatchProbe {
    private WatchProbe() {
    }

    /** One way of watching: {@code watch} returns what {@code cancel} takes. */
    private interface Way extends AutoCloseable {
        Object watch(Runnable onChange, Path... dirs) throws Exception;

        void cancel(Object watched);

        @Override
        void close() throws Exception;
    }

    public static void main(String[] argv) throws Exception {
        int rounds = Args.parse(argv).count(2000);
        System.out.printf("WatchProbe: %d rounds each, %s%n", rounds, Machine.now().describe());
        Path root = Files.createTempDirectory(Path.of("/var/tmp"), "watchprobe");
        try (Way inotify = new Inotify(); Way jdk = new Jdk()) {
            Way[] ways = {inotify, jdk};
            String[] names = {"DirectoryWatch (inotify, one thread)", "JDK WatchService + dispatch thread"};
            long[][][] nanos = new long[2][3][rounds];
            for (int r = 0; r < rounds + 200; r++) {
                for (int w = 0; w < 2; w++) {
                    long[] t = round(ways[w], root.resolve("r" + r + "-" + w));
                    if (r >= 200) { // the first rounds warm the JIT up
                        for (int k = 0; k < 3; k++) {
                            nanos[w][k][r - 200] = t[k];
                        }
                    }
                }
            }
            String[] steps = {"watch 2 directories", "exit file write begun -> callback", "cancel"};
            for (int w = 0; w < 2; w++) {
                for (int k = 0; k < 3; k++) {
                    Latencies.of(names[w] + ": " + steps[k], nanos[w][k]).print(System.out);
                }
            }
        } finally {
            try (var s = Files.walk(root)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long[] round(Way way, Path task) throws Exception {
        Path exits = Files.createDirectories(task.resolve("exits"));
        Path exitFile = exits.resolve("id");
        AtomicReference<CompletableFuture<Long>> seen = new AtomicReference<>(new CompletableFuture<>());
        Runnable onChange = () -> {
            if (Files.exists(exitFile)) {
                seen.get().complete(System.nanoTime());
            }
        };
        long t0 = System.nanoTime();
        Object watched = way.watch(onChange, task, exits);
        long t1 = System.nanoTime();
        Files.writeString(exitFile, "0");
        long at = seen.get().join();
        long t3 = System.nanoTime();
        way.cancel(watched);
        long t4 = System.nanoTime();
        Files.delete(exitFile);
        Files.delete(exits);
        Files.delete(task);
        return new long[] {t1 - t0, at - t1, t4 - t3};
    }

    private static final class Inotify implements Way {
        private final DirectoryWatch watch = new DirectoryWatch("probe-inotify");

        @Override
        public Object watch(Runnable onChange, Path... dirs) {
            return watch.watch(onChange, dirs);
        }

        @Override
        public void cancel(Object watched) {
            watch.cancel((DirectoryWatch.Watched) watched);
        }

        @Override
        public void close() {
            watch.close();
        }
    }

    /** The oci module's watcher before DirectoryWatch: WatchService keys taken on one thread, callbacks run on a second. */
    private static final class Jdk implements Way {
        private final WatchService service = FileSystems.getDefault().newWatchService();
        private final java.util.Map<WatchKey, Runnable> callbacks = new java.util.concurrent.ConcurrentHashMap<>();
        private final LinkedBlockingQueue<Runnable> work = new LinkedBlockingQueue<>();
        private final Thread taker = Thread.ofPlatform().daemon().start(this::take);
        private final Thread dispatcher = Thread.ofPlatform().daemon().start(this::dispatch);

        Jdk() throws java.io.IOException {
        }

        @Override
        public Object watch(Runnable onChange, Path... dirs) throws java.io.IOException {
            java.util.List<WatchKey> keys = new java.util.ArrayList<>();
            for (Path d : dirs) {
                WatchKey k = d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
                callbacks.put(k, onChange);
                keys.add(k);
            }
            return keys;
        }

        @Override
        public void cancel(Object watched) {
            for (Object o : (java.util.List<?>) watched) {
                WatchKey k = (WatchKey) o;
                callbacks.remove(k);
                k.cancel();
            }
        }

        private void take() {
            try {
                while (true) {
                    WatchKey key = service.take();
                    key.pollEvents();
                    key.reset();
                    Runnable r = callbacks.get(key);
                    if (r != null) {
                        work.add(r);
                    }
                }
            } catch (InterruptedException | java.nio.file.ClosedWatchServiceException e) {
                // closed
            }
        }

        private void dispatch() {
            try {
                while (true) {
                    work.take().run();
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        @Override
        public void close() throws Exception {
            service.close();
            dispatcher.interrupt();
            taker.join();
            dispatcher.join();
        }
    }
}
