package overseer.bench;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The daemon's log-rotation sweep against the number of tasks' logs it finds (docs/benchmarks.md §24): one sweep
 * stats every {@code .out} and {@code .err} file, so logs a delete left behind cost it for good. The sweep is the
 * server's private method; it is reached by reflection, as this probe runs on the class path.
 *
 * <pre>bench/run.sh probe logsweep [TASKS...]   (default 2 1000 10000 50000; files in a fresh directory under /var/tmp)</pre>
 */
public final class LogSweepProbe {
    private LogSweepProbe() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> rotation = Class.forName("overseer.server.LogRotation");
        Class<?> limitsType = Class.forName("overseer.wire.LogLimits");
        Object limits = limitsType.getConstructor(long.class, int.class).newInstance(64L << 20, 3);
        Constructor<?> make = rotation.getDeclaredConstructor(Path.class, limitsType);
        make.setAccessible(true);
        Method sweep = rotation.getDeclaredMethod("sweep");
        sweep.setAccessible(true);
        for (String arg : args.length == 0 ? new String[] {"2", "1000", "10000", "50000"} : args) {
            int tasks = Integer.parseInt(arg);
            Path logs = Files.createTempDirectory(Path.of("/var/tmp"), "overseer-logsweep");
            try {
                Path ns = Files.createDirectories(logs.resolve("default"));
                for (int i = 0; i < tasks; i++) {
                    Files.createFile(ns.resolve("t" + i + ".out"));
                    Files.createFile(ns.resolve("t" + i + ".err"));
                }
                try (AutoCloseable r = (AutoCloseable) make.newInstance(logs, limits)) {
                    for (int i = 0; i < 20; i++) {
                        sweep.invoke(r); // untimed: the JIT and the dentry cache
                    }
                    long[] t = new long[40];
                    for (int i = 0; i < t.length; i++) {
                        long start = System.nanoTime();
                        sweep.invoke(r);
                        t[i] = System.nanoTime() - start;
                    }
                    Arrays.sort(t);
                    System.out.printf("%,d tasks' logs (%,d files): one sweep p50 %.2f ms, max %.2f ms; %.1f %% of a CPU at 2 sweeps/s%n",
                            tasks, 2 * tasks, t[t.length / 2] / 1e6, t[t.length - 1] / 1e6, t[t.length / 2] / 1e6 * 2 / 10);
                }
            } finally {
                try (Stream<Path> all = Files.walk(logs)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
