package overseer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How long a CLI verb takes from the shell's point of view: {@code overseer ps} against a running daemon, each
 * command a fresh process timed from spawn to exit, with its CPU time (user + system) and peak RSS from
 * /usr/bin/time: on a shared machine the CPU time is the figure that load disturbs least. The rows run round
 * robin (one run of each, then the next round), so load from other work on the machine falls on all of them
 * alike. Prints p50 / p90 / p99 per row and draws them with {@link BarPlot}.
 *
 * <p>Arguments: {@code RUNS} (default 40), then any number of {@code label=command line} rows to add (peers:
 * {@code "podman ps=podman ps"}). The daemon is {@code bin/overseer daemon} on a temporary socket, started
 * before and stopped after; {@code $OVERSEER_BEFORE} may name a launcher to time as the "before" row.
 */
public final class CliBench {
    private static final Path TIME = Path.of("/usr/bin/time");

    private CliBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 && args[0].matches("\\d+") ? Integer.parseInt(args[0]) : 40;
        Path root = Path.of("").toAbsolutePath();
        Path launcher = root.resolve("bin/overseer");
        Path image = root.resolve("cli/target/image/bin/overseer");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path dir = Files.createTempDirectory("overseer-clibench");
        String sock = dir.resolve("d.sock").toString();
        String cp = root.resolve("cli/target/overseer-cli.jar") + ":" + root.resolve("cli/target/lib") + "/*";
        List<String> jvm = List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

        Map<String, List<String>> rows = new LinkedHashMap<>();
        rows.put("java -version (the JVM's floor)", List.of(java.toString(), "-version"));
        rows.put("java -Xshare:off -version", List.of(java.toString(), "-Xshare:off", "-version"));
        String before = System.getenv("OVERSEER_BEFORE");
        if (before != null && !before.isEmpty()) {
            rows.put("overseer ps: launcher before (no cache)", List.of(before, "ps", "--socket", sock));
        }
        rows.put("overseer ps: java, default CDS, no AOT", concat(jvm, "-cp", cp, "overseer.cli.Main", "ps", "--socket", sock));
        rows.put("overseer ps: java -Xshare:off", concat(jvm, "-Xshare:off", "-cp", cp, "overseer.cli.Main", "ps", "--socket", sock));
        rows.put("overseer ps: bin/overseer, AOT cache", List.of(launcher.toString(), "ps", "--socket", sock));
        if (Files.isExecutable(image)) {
            rows.put("overseer ps: the image, AOT cache", List.of(image.toString(), "ps", "--socket", sock));
        }
        rows.put("overseer --version: bin/overseer, AOT", List.of(launcher.toString(), "--version"));
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            rows.put(args[i].substring(0, eq), Arrays.asList(args[i].substring(eq + 1).split(" ")));
        }

        System.out.printf("CliBench: %d runs per row, round robin; %s%n", runs, Machine.now().describe());
        Process daemon = new ProcessBuilder(launcher.toString(), "daemon", "--socket", sock, "--state-dir",
                dir.resolve("state").toString(), "--runtime", "native")
                .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile()).start();
        try {
            awaitAnswer(launcher, sock, daemon);
            for (List<String> cmd : rows.values()) { // warm-up: the page cache, and the launcher's cache if stale
                once(cmd, dir);
            }
            Map<String, long[]> nanos = new LinkedHashMap<>();
            Map<String, long[]> rss = new LinkedHashMap<>();
            Map<String, long[]> cpu = new LinkedHashMap<>();
            rows.keySet().forEach(k -> {
                nanos.put(k, new long[runs]);
                rss.put(k, new long[runs]);
                cpu.put(k, new long[runs]);
            });
            for (int r = 0; r < runs; r++) {
                for (Map.Entry<String, List<String>> row : rows.entrySet()) {
                    long[] m = once(row.getValue(), dir);
                    nanos.get(row.getKey())[r] = m[0];
                    rss.get(row.getKey())[r] = m[1];
                    cpu.get(row.getKey())[r] = m[2];
                }
            }
            List<Latencies> plotted = new ArrayList<>();
            System.out.printf("%-42s %9s %9s %9s %12s %12s%n", "", "p50 ms", "p90 ms", "p99 ms", "CPU p50 ms", "RSS p50 MB");
            for (String k : rows.keySet()) {
                Latencies l = Latencies.of(k, nanos.get(k));
                long[] mem = rss.get(k).clone();
                long[] used = cpu.get(k).clone();
                Arrays.sort(mem);
                Arrays.sort(used);
                System.out.printf("%-42s %9.1f %9.1f %9.1f %12d %12.1f%n", k, l.p50() / 1e6,
                        Stats.percentile(l.sortedNanos(), 90) / 1e6, l.p99() / 1e6, Stats.percentile(used, 50),
                        Stats.percentile(mem, 50) / 1024.0);
                plotted.add(l);
            }
            System.out.printf("load after: %s%n", Machine.loadAverage());
            Path png = root.resolve("bench/target/cli-start.png");
            BarPlot.write(png, "A CLI verb's round trip: overseer ps against a running daemon", Machine.now().describe(), plotted, 10_000);
            System.out.println("plot: " + png);
        } finally {
            daemon.destroy(); // SIGTERM to the monitor: the daemon stops, the monitor follows (no tasks)
            if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
    }

    /** One run: {wall nanoseconds, peak RSS in KB, user+system CPU ms}. A failed run is an error: a figure of a failure means nothing. */
    private static long[] once(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Path rssFile = dir.resolve("rss");
        List<String> timed = new ArrayList<>(List.of(TIME.toString(), "-f", "%M %U %S", "-o", rssFile.toString()));
        timed.addAll(cmd);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(timed).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve("err").toFile()).start();
        int rc = p.waitFor();
        long wall = System.nanoTime() - t0;
        if (rc != 0) {
            throw new IllegalStateException(cmd + " exited " + rc + ": " + Files.readString(dir.resolve("err")));
        }
        String[] f = Files.readString(rssFile).strip().lines().reduce((a, b) -> b).orElse("0 0 0").split(" ");
        long cpuMs = Math.round((Double.parseDouble(f[1]) + Double.parseDouble(f[2])) * 1000);
        return new long[]{wall, Long.parseLong(f[0]), cpuMs};
    }

    private static void awaitAnswer(Path launcher, String sock, Process daemon) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && daemon.isAlive()) {
            Process p = new ProcessBuilder(launcher.toString(), "ps", "--socket", sock)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() == 0) {
                return;
            }
        }
        throw new IllegalStateException("the daemon did not answer on " + sock);
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
