package overseer.bench;

import overseer.client.OverseerClient;
import overseer.linux.NativeRuntime;
import overseer.oci.OciRuntime;
import overseer.server.Daemon;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's API, measured from a client on the same machine: task GET throughput over the Unix socket
 * (8 callers, each with its client's kept-alive connection), create+start latency of native and isolated tasks, and the
 * daemon's heap per 1,000 idle tasks. The daemon runs in this JVM (so the heap figure includes the
 * client's few objects), its native runtime configured as {@code overseer daemon} configures it (a cgroup
 * for every task); every task is stopped and deleted at the end.
 *
 * <pre>bench/run.sh api [TASKS] [SECONDS] [WARM-UP]</pre>
 * WARM-UP (1000) create/start/kill/await/delete cycles run first, untimed: the figures are a warm daemon's.
 */
public final class ApiBench {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        Path dir = Files.createTempDirectory("ovb");
        System.out.printf("ApiBench: %d idle tasks, %d s of GETs, %s%n", tasks, seconds, Machine.now().describe());
        try {
            run(dir, tasks, seconds, warmup);
        } finally {
            Scratch.deleteTree(dir);
        }
    }

    private static void run(Path dir, int tasks, int seconds, int warmup) throws Exception {
        long heapBefore = usedHeapAfterGc();
        // As `overseer daemon` runs it: a cgroup for every task (without limits, the tracking hierarchy's alone).
        NativeRuntime.Options daemonLike = NativeRuntime.Options.defaults().withCgroupParent("overseer-bench-api")
                .withCgroupEveryTask(true);
        try (Daemon d = new Daemon(new NativeRuntime(daemonLike), dir.resolve("n.sock"), dir.resolve("n"), true)) {
            OverseerClient client = new OverseerClient(d.socket());
            client.health();
            warmUp(client, warmup);
            long heapEmpty = usedHeapAfterGc();
            createAndStart(client, "t", tasks).print("native create+start (HTTP round trips)");
            long heapFull = usedHeapAfterGc();
            long heap = heapFull - heapBefore;
            // The first figure holds the empty daemon's own heap too (Helidon, SQLite); the second is the tasks' alone.
            System.out.printf("daemon heap for %d idle tasks: %.1f MB with the daemon itself; the tasks alone %.1f MB per 1,000%n",
                    tasks, heap / 1e6, (heapFull - heapEmpty) / 1e6 * 1000 / tasks);
            gets(d.socket(), seconds);
        }
        if (isolatedTasksRunHere()) {
            try (Daemon d = new Daemon(OciRuntime.builder().stateDir(dir.resolve("o")).build(), dir.resolve("o.sock"),
                    dir.resolve("os"), true)) {
                createAndStart(new OverseerClient(d.socket()), "i", Math.min(tasks, 50))
                        .print("isolated create+start (crun/runc+conmon)");
            }
        } else {
            System.out.println("isolated create+start: skipped (needs root and conmon)");
        }
    }

    /**
     * The daemon's create, start, kill, await and delete, {@code n} times, not timed: what is measured afterwards is
     * a daemon whose request paths the JIT has compiled, as on a host where it has been running (without this the
     * first thousand creates run largely interpreted, with C2 compiling on the same two CPUs).
     */
    static void warmUp(OverseerClient c, int n) {
        for (int i = 0; i < n; i++) {
            String id = "warm" + i;
            c.createTask("default", spec(id, "/bin/sleep", "100000"));
            c.start("default", id);
            c.kill("default", id, "SIGKILL", false);
            c.await("default", id, java.time.Duration.ofSeconds(10));
            c.delete("default", id);
        }
    }

    /** Creates and starts {@code n} sleeping tasks named PREFIX0.., timing each create+start pair and its halves. */
    static Timed createAndStart(OverseerClient c, String prefix, int n) {
        long[] nanos = new long[n];
        long[] creates = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            c.createTask("default", spec(prefix + i, "/bin/sleep", "100000"));
            long t1 = System.nanoTime();
            c.start("default", prefix + i);
            nanos[i] = System.nanoTime() - t0;
            creates[i] = t1 - t0;
        }
        return new Timed(nanos, creates);
    }

    record Timed(long[] nanos, long[] creates) {
        void print(String what) {
            Latencies.of(what, nanos).print(System.out);
            long[] starts = new long[nanos.length];
            for (int i = 0; i < nanos.length; i++) {
                starts[i] = nanos[i] - creates[i];
            }
            Latencies.of("  of which create", creates).print(System.out);
            Latencies.of("  of which start", starts).print(System.out);
        }
    }

    /** 8 callers GET one task for {@code seconds}; prints and returns requests per second. */
    static double gets(Path socket, int seconds) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            callers.add(Thread.ofPlatform().start(() -> {
                try (OverseerClient c = new OverseerClient(socket)) {
                    while (System.nanoTime() < end) {
                        c.task("default", "t0");
                        done.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : callers) {
            t.join();
        }
        double rate = done.get() / (double) seconds;
        System.out.printf("task GET over the socket, 8 callers: %.0f requests/s%n", rate);
        return rate;
    }

    private static JsonNode spec(String id, String... args) {
        var s = JSON.createObjectNode().put("id", id);
        var a = s.putObject("process").putArray("args");
        for (String x : args) {
            a.add(x);
        }
        return s;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static boolean isolatedTasksRunHere() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/conmon"));
    }
}
