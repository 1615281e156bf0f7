package overseer.bench;

import overseer.core.Exit;
import overseer.core.Status;
import overseer.core.spi.StateStore;
import overseer.server.SqliteStateStore;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the daemon's state store costs one task run through the API (docs/benchmarks.md §25): the seven writes
 * {@code TaskService} makes for a create, a start, an exit and a delete, in its order, on a fresh store. Per
 * run: this thread's CPU (SQLite runs on the caller's thread, so its native time is in it) and the wall time,
 * on tmpfs (where the isolated bench keeps its daemon's state: the fsyncs return at once) and on the disk.
 *
 * <pre>bench/run.sh probe store [RUNS] [DIR...]   (default 3000 runs after 2000 untimed; /dev/shm and /var/tmp)</pre>
 */
public final class StoreProbe {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private StoreProbe() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        String[] dirs = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : new String[] {"/dev/shm", "/var/tmp"};
        for (String where : dirs) {
            Path dir = Files.createTempDirectory(Path.of(where), "overseer-storeprobe");
            try (SqliteStateStore store = new SqliteStateStore(dir.resolve("state.db"))) {
                for (int i = 0; i < 2000; i++) {
                    oneRun(store, "warm-" + i); // untimed: the JIT, SQLite's page cache
                }
                long[] cpu = new long[runs];
                long[] wall = new long[runs];
                for (int i = 0; i < runs; i++) {
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    oneRun(store, "run-" + i);
                    wall[i] = System.nanoTime() - t0;
                    cpu[i] = THREADS.getCurrentThreadCpuTime() - c0;
                }
                Arrays.sort(cpu);
                Arrays.sort(wall);
                System.out.printf("%s: one task's 7 store writes: CPU p50 %.1f µs (mean %.1f); wall p50 %.1f µs, p99 %.1f µs (n=%d)%n",
                        where, cpu[runs / 2] / 1e3, Arrays.stream(cpu).average().orElse(0) / 1e3,
                        wall[runs / 2] / 1e3, wall[(int) (runs * 0.99)] / 1e3, runs);
            } finally {
                try (Stream<Path> all = Files.walk(dir)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** The writes of TaskService's create, launch, the exit's record and delete, as the daemon makes them. */
    private static void oneRun(StateStore store, String id) {
        Instant now = Instant.now();
        store.createTask(new StateStore.TaskRecord("bench", id, "oci", "{\"id\":\"" + id + "\",\"process\":{\"args\":[\"/bin/true\"]}}",
                Status.CREATED, 0, 0, Optional.empty(), now));
        store.starting("bench", id, now);
        store.started("bench", id, 4242, 1234567, now);
        store.exited("bench", id, id, new Exit(0, Optional.empty(), false, now));
        store.deleteRequested("bench", id, now);
        store.deleteTask("bench", id);
        store.deleteFinished("bench", id, now);
    }
}
