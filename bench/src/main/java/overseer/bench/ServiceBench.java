package overseer.bench;

import overseer.client.OverseerClient;
import overseer.core.Isolation;
import overseer.core.ProcessSpec;
import overseer.core.RoutingRuntime;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.linux.NativeRuntime;
import overseer.oci.OciRuntime;
import overseer.server.Daemon;
import overseer.wire.RestartPolicy;
import overseer.wire.ServiceSpec;
import overseer.wire.Supervision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Services side by side in one run, on one daemon in this JVM: create+start over the API of a plain
 * native task, of a durable service (restart: always, the same task plus its supervision) and of an
 * isolated task (crun/runc under conmon); then crash → running again: the service's process is SIGKILLed
 * and the time until its next run is up is taken, at docker's first backoff (100 ms) and at 1 ms.
 *
 * <pre>bench/run.sh services [TASKS] [CRASHES]</pre>
 */
public final class ServiceBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int crashes = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path dir = Files.createTempDirectory("ovs");
        System.out.printf("ServiceBench: %d tasks per kind, %d crashes per backoff, %s%n", n, crashes, Machine.now().describe());
        boolean oci = "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/conmon"));
        // The library's default: a cgroup only for a task with limits.
        try (Daemon d = new Daemon(new NativeRuntime(), dir.resolve("l.sock"), dir.resolve("lt"), true)) {
            OverseerClient c = new OverseerClient(d.socket());
            createAndStart(c, n, i -> ServiceSpec.of(sleeper("warm" + i))); // JIT and SQLite warm-up, not reported
            createAndStart(c, n, i -> ServiceSpec.of(sleeper("lib" + i))).print("plain native task, no cgroup, create+start");
        }
        // As `overseer daemon` runs: every native task in its own cgroup, isolated ones on OCI.
        NativeRuntime daemonNative = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupEveryTask(true));
        var runtime = oci ? new RoutingRuntime(daemonNative, OciRuntime.builder().stateDir(dir.resolve("oci")).build())
                : daemonNative;
        try (Daemon d = new Daemon(runtime, dir.resolve("s.sock"), dir.resolve("st"), true)) {
            OverseerClient c = new OverseerClient(d.socket());
            createAndStart(c, n, i -> ServiceSpec.of(sleeper("plain" + i)))
                    .print("plain native task, own cgroup (the daemon's), create+start");
            createAndStart(c, n, i -> new ServiceSpec(sleeper("svc" + i),
                    Supervision.NONE.withRestart(RestartPolicy.parse("restart", "always"))))
                    .print("durable service (restart: always), create+start");
            if (oci) {
                createAndStart(c, Math.min(n, 50), i -> ServiceSpec.of(sleeper("iso" + i).withIsolation(Isolation.DEFAULT)))
                        .print("isolated task (OCI under conmon), create+start");
            } else {
                System.out.println("isolated task: skipped (needs root and conmon)");
            }
            for (Duration backoff : new Duration[]{RestartPolicy.INITIAL_DELAY, Duration.ofMillis(1)}) {
                crashToRunning(d, c, backoff, crashes).print("crash -> running again, first backoff " + backoff.toMillis() + " ms");
            }
        }
        Path png = Path.of("bench/target/services.png");
        BarPlot.write(png, "Services: create+start over the API, and crash -> running again", Machine.now().describe(), ROWS);
        System.out.println("plot: " + png);
    }

    private static TaskSpec sleeper(String id) {
        return TaskSpec.of(id, ProcessSpec.of("/bin/sleep", "100000"));
    }

    private static Timed createAndStart(OverseerClient c, int n, java.util.function.IntFunction<ServiceSpec> spec) {
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            ServiceSpec s = spec.apply(i);
            long t0 = System.nanoTime();
            c.createTask("default", s);
            c.start("default", s.id());
            nanos[i] = System.nanoTime() - t0;
        }
        return new Timed(nanos);
    }

    /** SIGKILLs the service's process {@code crashes} times; each time, the nanos until a new run is up. */
    private static Timed crashToRunning(Daemon d, OverseerClient c, Duration backoff, int crashes) throws Exception {
        String id = "crash" + backoff.toMillis();
        // A start limit that never trips, and a reset at once, so that every restart waits the first backoff.
        RestartPolicy p = RestartPolicy.parse("restart", "always").withBackoff(backoff, backoff, Duration.ZERO)
                .withStartLimit(0, Duration.ZERO);
        c.createTask("default", new ServiceSpec(sleeper(id), Supervision.NONE.withRestart(p)));
        c.start("default", id);
        long[] nanos = new long[crashes];
        for (int i = 0; i < crashes; i++) {
            Task t = d.tasks().get("default", id);
            long pid = t.pid();
            long t0 = System.nanoTime();
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            while (true) {
                Task now = d.tasks().get("default", id);
                if (now.status() == Status.RUNNING && now.pid() != pid) {
                    break;
                }
                Thread.onSpinWait();
            }
            nanos[i] = System.nanoTime() - t0;
        }
        return new Timed(nanos);
    }

    private static final java.util.List<Latencies> ROWS = new java.util.ArrayList<>();

    private record Timed(long[] nanos) {
        void print(String what) {
            Latencies l = Latencies.of(what, nanos);
            l.print(System.out);
            ROWS.add(l);
        }
    }
}
