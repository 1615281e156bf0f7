package overseer.bench;

import overseer.client.OverseerClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The daemon as an operator runs it, {@code bin/overseer daemon} (a monitor JVM and the daemon JVM it spawns),
 * measured from a client as {@link ApiBench} measures its in-process daemon: untimed warm-up cycles, then the
 * create+start of sleeping tasks, then task GETs from 8 callers. Each round starts one daemon as launched and
 * one with {@code JAVA_TOOL_OPTIONS=-XX:TieredStopAtLevel=1}, the C1-only JIT the daemon inherited from the
 * launcher before (docs/benchmarks.md §19); the order alternates by round. Every daemon runs with
 * {@code --stop-tasks}, so stopping it stops and deletes its tasks.
 *
 * <pre>bench/run.sh daemon [--rounds=2] [--tasks=500] [--warmup=1000] [--seconds=5]</pre>
 */
public final class LaunchedDaemonBench {
    private LaunchedDaemonBench() {
    }

    private record Result(double createStartP50, double createStartP99, double getsPerSecond) {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        int rounds = args.intOption("rounds", 2);
        int tasks = args.intOption("tasks", 500);
        int warmup = args.intOption("warmup", 1000);
        int seconds = args.intOption("seconds", 5);
        PeerTools.require("LaunchedDaemonBench", List.of());
        Path launcher = Path.of("bin/overseer").toAbsolutePath();
        System.out.printf("LaunchedDaemonBench: %d rounds, %d tasks, %d warm-up cycles, %d s of GETs; %s%n", rounds, tasks,
                warmup, seconds, Machine.now().describe());
        Map<String, String> flavours = new LinkedHashMap<>();
        flavours.put("as launched (C1 and C2)", "");
        flavours.put("C1 only (-XX:TieredStopAtLevel=1)", "-XX:TieredStopAtLevel=1");
        Map<String, List<Result>> results = new LinkedHashMap<>();
        flavours.keySet().forEach(k -> results.put(k, new ArrayList<>()));
        List<String> names = new ArrayList<>(flavours.keySet());
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < names.size(); k++) {
                String name = names.get((k + r) % names.size());
                System.out.printf("round %d: %s%n", r + 1, name);
                results.get(name).add(once(launcher, flavours.get(name), "r" + r + "k" + k, tasks, warmup, seconds));
            }
        }
        System.out.println();
        System.out.println("| daemon JVM | create+start p50 ms | p99 ms | task GETs/s, 8 callers |");
        System.out.println("|---|---:|---:|---:|");
        for (var e : results.entrySet()) {
            for (Result x : e.getValue()) {
                System.out.printf("| %s | %.2f | %.2f | %.0f |%n", e.getKey(), x.createStartP50(), x.createStartP99(), x.getsPerSecond());
            }
        }
        Result launched = median(results.get(names.get(0)));
        Result c1 = median(results.get(names.get(1)));
        System.out.printf("as launched ÷ C1 only (medians over rounds): create+start p50 %.2f×, p99 %.2f×, GETs/s %.2f×%n",
                launched.createStartP50() / c1.createStartP50(), launched.createStartP99() / c1.createStartP99(),
                launched.getsPerSecond() / c1.getsPerSecond());
    }

    private static Result once(Path launcher, String toolOptions, String tag, int tasks, int warmup, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("ovld");
        Path sock = dir.resolve("d.sock");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "daemon", "--runtime", "native", "--socket", sock.toString(),
                "--state-dir", dir.resolve("state").toString(), "--cgroup-parent", "overseer-bench-daemon-" + tag, "--stop-tasks")
                .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
        if (!toolOptions.isEmpty()) {
            pb.environment().put("JAVA_TOOL_OPTIONS", toolOptions);
        }
        Process monitor = pb.start();
        try (OverseerClient client = new OverseerClient(sock)) {
            awaitHealth(client, monitor, dir);
            ApiBench.warmUp(client, warmup);
            ApiBench.Timed t = ApiBench.createAndStart(client, "t", tasks);
            t.print("create+start");
            Latencies l = Latencies.of("create+start", t.nanos());
            double gets = ApiBench.gets(sock, seconds);
            return new Result(l.p50() / 1e6, l.p99() / 1e6, gets);
        } finally {
            monitor.destroy(); // SIGTERM: the daemon stops and deletes its tasks (--stop-tasks), then the monitor ends
            if (!monitor.waitFor(120, TimeUnit.SECONDS)) {
                monitor.destroyForcibly();
                throw new IllegalStateException("the daemon did not stop within 120 s; see " + dir.resolve("daemon.log"));
            }
            Scratch.deleteTree(dir); // kept only when the daemon would not stop, for its log
        }
    }

    private static void awaitHealth(OverseerClient client, Process monitor, Path dir) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && monitor.isAlive()) {
            try {
                client.health();
                return;
            } catch (RuntimeException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("the daemon did not answer; see " + dir.resolve("daemon.log"));
    }

    private static Result median(List<Result> rs) {
        return new Result(med(rs.stream().mapToDouble(Result::createStartP50).toArray()),
                med(rs.stream().mapToDouble(Result::createStartP99).toArray()),
                med(rs.stream().mapToDouble(Result::getsPerSecond).toArray()));
    }

    private static double med(double[] v) {
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
