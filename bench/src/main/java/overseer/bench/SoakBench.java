package overseer.bench;

import overseer.client.OverseerClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A soak of a running daemon (issue 10): {@code --workers} callers (8) each loop create → start → exec
 * {@code /bin/true} → wait for it → kill → wait → delete over the Unix socket, for {@code --minutes}; the
 * daemon JVM's RSS, open descriptors and threads are sampled every {@code --interval} seconds to a CSV, drawn
 * to a PNG, and the trend after warm-up (a least-squares slope over the samples past {@code --warmup} minutes)
 * is printed. The daemon is another process (bench/soak.sh starts one), so what is measured is the daemon alone.
 *
 * <pre>bench/soak.sh [MINUTES]   (or: SoakBench --socket=S --pid=DAEMON_PID --minutes=30 --csv=F --png=F)</pre>
 */
public final class SoakBench {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    record Sample(double seconds, long rssKb, int fds, int threads, long cycles, long errors) {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        Path socket = Path.of(args.option("socket", "/run/overseer/overseer.sock"));
        long pid = Long.parseLong(args.option("pid", "0"));
        if (pid <= 0 || !Files.isDirectory(Path.of("/proc/" + pid))) {
            throw new IllegalArgumentException("--pid: the daemon's pid is required (its state dir's daemon.pid), got " + pid);
        }
        double minutes = Double.parseDouble(args.option("minutes", "30"));
        int workers = args.intOption("workers", 8);
        int interval = args.intOption("interval", 5);
        double warmup = Double.parseDouble(args.option("warmup", String.valueOf(Math.min(5, minutes / 5))));
        Path csv = Path.of(args.option("csv", "bench/target/soak.csv"));
        Path png = Path.of(args.option("png", "bench/target/soak.png"));
        System.out.printf("SoakBench: %s min, %d workers, a sample every %d s, warm-up %.1f min, daemon pid %d; %s%n",
                minutes, workers, interval, warmup, pid, Machine.now().describe());

        long end = System.nanoTime() + (long) (minutes * 60e9);
        AtomicLong cycles = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentHashMap<String, Integer> errorKinds = new ConcurrentHashMap<>();
        List<Thread> callers = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int me = w;
            callers.add(Thread.ofPlatform().name("soak-" + w).start(() -> {
                OverseerClient c = new OverseerClient(socket);
                for (long n = 0; System.nanoTime() < end; n++) {
                    String id = "soak-" + me + "-" + n;
                    try {
                        cycle(c, id);
                        cycles.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                        errorKinds.merge(String.valueOf(e.getMessage()).replaceAll("\\d+", "N"), 1, Integer::sum);
                        try {
                            c.kill("default", id, "SIGKILL", true);
                        } catch (RuntimeException ignored) {
                            // not there, or not running
                        }
                        try {
                            c.delete("default", id);
                        } catch (RuntimeException ignored) {
                            // not there
                        }
                    }
                }
            }));
        }

        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        Files.createDirectories(csv.toAbsolutePath().getParent());
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
            out.println("seconds,rss_kb,fds,threads,cycles,errors");
            while (true) {
                Sample s = sample(pid, (System.nanoTime() - t0) / 1e9, cycles.get(), errors.get());
                samples.add(s);
                out.printf("%.1f,%d,%d,%d,%d,%d%n", s.seconds, s.rssKb, s.fds, s.threads, s.cycles, s.errors);
                out.flush();
                if (System.nanoTime() >= end) {
                    break;
                }
                Thread.sleep(Math.min(interval * 1000L, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
        }
        for (Thread t : callers) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("cycles: %d (%.1f/s), each 7 requests; errors: %d%n", cycles.get(), cycles.get() / seconds, errors.get());
        errorKinds.forEach((k, v) -> System.out.printf("  %d x %s%n", v, k));

        List<Sample> after = samples.stream().filter(s -> s.seconds >= warmup * 60).toList();
        if (after.size() < 3) {
            System.out.println("too few samples after the warm-up for a trend");
        } else {
            Trend rss = Trend.of(after, s -> s.rssKb / 1024.0);
            Trend fds = Trend.of(after, s -> s.fds);
            Trend threads = Trend.of(after, s -> s.threads);
            System.out.printf("after %.1f min of warm-up (%d samples):%n", warmup, after.size());
            System.out.printf("  RSS     %7.1f .. %7.1f MiB, mean %7.1f, slope %+8.3f MiB/min (%+.2f%% of the mean per 10 min)%n",
                    rss.min, rss.max, rss.mean, rss.slopePerMinute, rss.slopePerMinute * 10 / rss.mean * 100);
            System.out.printf("  fds     %7.0f .. %7.0f,     mean %7.1f, slope %+8.3f /min%n",
                    fds.min, fds.max, fds.mean, fds.slopePerMinute);
            System.out.printf("  threads %7.0f .. %7.0f,     mean %7.1f, slope %+8.3f /min%n",
                    threads.min, threads.max, threads.mean, threads.slopePerMinute);
        }
        LinePlot.write(png, String.format("Soak: %d workers of create/start/exec/kill/delete for %.0f min against the daemon",
                workers, minutes), Machine.now().describe(), warmup, samples);
        System.out.println("wrote " + csv + " and " + png);
    }

    /** One task's life: 7 requests on as many connections (the client opens one per request). */
    private static void cycle(OverseerClient c, String id) {
        JsonNode spec = JSON.createObjectNode().put("id", id).set("process", process("/bin/sleep", "1000"));
        c.createTask("default", spec);
        c.start("default", id);
        c.exec("default", id, "x", process("/bin/true"));
        JsonNode exit = c.awaitExec("default", id, "x", Duration.ofSeconds(30));
        if (exit.get("exitCode").asInt() != 0) {
            throw new IllegalStateException("exec of /bin/true: exit " + exit);
        }
        c.kill("default", id, "SIGKILL", false);
        c.await("default", id, Duration.ofSeconds(30));
        c.delete("default", id);
    }

    private static JsonNode process(String... args) {
        var p = JSON.createObjectNode();
        var a = p.putArray("args");
        for (String x : args) {
            a.add(x);
        }
        return p;
    }

    private static Sample sample(long pid, double seconds, long cycles, long errors) throws IOException {
        long rss = 0;
        int threads = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.replaceAll("\\D", ""));
            }
        }
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        return new Sample(seconds, rss, fds, threads, cycles, errors);
    }

    /** Least squares over (minutes, value). */
    record Trend(double min, double max, double mean, double slopePerMinute) {
        static Trend of(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> value) {
            int n = samples.size();
            double sx = 0;
            double sy = 0;
            double sxx = 0;
            double sxy = 0;
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (Sample s : samples) {
                double x = s.seconds / 60;
                double y = value.applyAsDouble(s);
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
                min = Math.min(min, y);
                max = Math.max(max, y);
            }
            double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
            return new Trend(min, max, sy / n, slope);
        }
    }
}
