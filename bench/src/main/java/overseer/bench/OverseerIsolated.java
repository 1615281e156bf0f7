package overseer.bench;

import overseer.client.OverseerClient;
import overseer.core.Exit;
import overseer.core.Isolation;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.oci.OciRuntime;
import overseer.server.Daemon;
import overseer.wire.ServiceSpec;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Overseer running one isolated {@code /bin/true} to its end on one OCI runtime (crun or runc, under
 * overseer-monitor, or under conmon as before it),
 * either through the daemon's API (a daemon in this JVM, the Java client over its Unix socket: create, start,
 * wait, delete, four requests) or through the library ({@link Tasks} on {@link OciRuntime} in this JVM). The
 * time is taken until the runtime has finished deleting the container, which the default background delete
 * does after the delete has answered: a bare {@code crun run} includes its delete too, and a deletion left
 * running would otherwise be paid by whichever peer runs next.
 */
final class OverseerIsolated implements AutoCloseable {
    static final String NAMESPACE = "bench";
    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private static final java.lang.management.CompilationMXBean JIT = java.lang.management.ManagementFactory.getCompilationMXBean();
    private final OciRuntime runtime;
    private final Tasks tasks;
    private final Daemon daemon;
    private final OverseerClient client;
    private final Isolation isolation;
    /** Where the time of each run went, phase by phase (nanos from the run's start to each phase's end). */
    private final java.util.List<long[]> phases = new java.util.ArrayList<>();
    static final java.util.List<String> PHASES = java.util.List.of("created", "started", "exited", "delete answered", "runtime deleted");

    private OverseerIsolated(OciRuntime runtime, Tasks tasks, Daemon daemon, Isolation isolation) {
        this.runtime = runtime;
        this.tasks = tasks;
        this.daemon = daemon;
        this.client = daemon == null ? null : new OverseerClient(daemon.socket());
        this.isolation = isolation;
    }

    static OverseerIsolated library(Path state, String runtimeName, Path rootfs, boolean conmonAlways) {
        OciRuntime rt = runtime(state, runtimeName, conmonAlways ? "lib-conmon" : "lib", conmonAlways);
        return new OverseerIsolated(rt, new Tasks(rt), null, isolation(rootfs));
    }

    static OverseerIsolated daemon(Path state, String runtimeName, Path rootfs) {
        OciRuntime rt = runtime(state.resolve("oci"), runtimeName, "api", false);
        Daemon d = new Daemon(rt, state.resolve("d.sock"), state.resolve("store"), true);
        return new OverseerIsolated(rt, null, d, isolation(rootfs));
    }

    private static OciRuntime runtime(Path state, String name, String kind, boolean conmonAlways) {
        return OciRuntime.builder().stateDir(state).runtime(name).cgroupParent(Scratch.CGROUP_PARENT + "/overseer-" + kind + "-" + name)
                .conmonAlways(conmonAlways).build();
    }

    /** Overseer's default isolation (every namespace but the host's network, docker's capabilities, seccomp) on the peers' rootfs. */
    private static Isolation isolation(Path rootfs) {
        return Isolation.DEFAULT.toBuilder().rootfs(rootfs).build();
    }

    Isolation isolation() {
        return isolation;
    }

    String runtimeName() {
        return runtime.info().runtime();
    }

    /** Create + start + wait + delete of /bin/true as task {@code id}; nanos until the runtime's delete is done. */
    long runTrue(String id) throws InterruptedException {
        TaskSpec spec = TaskSpec.of(id, ProcessSpec.of("/bin/true")).withIsolation(isolation);
        long[] at = new long[PHASES.size()];
        long cpu0 = CPU.getProcessCpuTime();
        long jit0 = JIT.getTotalCompilationTime();
        long t0 = System.nanoTime();
        Exit exit;
        if (daemon != null) {
            client.createTask(NAMESPACE, ServiceSpec.of(spec));
            at[0] = System.nanoTime() - t0;
            client.start(NAMESPACE, id);
            at[1] = System.nanoTime() - t0;
            exit = client.await(NAMESPACE, id, Duration.ofSeconds(60));
            at[2] = System.nanoTime() - t0;
            client.delete(NAMESPACE, id);
        } else {
            Task t = tasks.create(NAMESPACE, spec);
            at[0] = System.nanoTime() - t0;
            t.start();
            at[1] = System.nanoTime() - t0;
            exit = t.await();
            at[2] = System.nanoTime() - t0;
            t.delete();
        }
        at[3] = System.nanoTime() - t0;
        runtime.released(NAMESPACE, id).join();
        at[4] = System.nanoTime() - t0;
        if (exit.exitCode() != 0) {
            throw new IllegalStateException("overseer task " + id + " failed: " + exit);
        }
        phases.add(at);
        cpuNanos.add(CPU.getProcessCpuTime() - cpu0);
        jitMillis += JIT.getTotalCompilationTime() - jit0;
        return at[4];
    }

    /** The median time, over the runs since {@link #forgetPhases}, from the run's start to the end of each phase. */
    long[] medianPhases() {
        long[] m = new long[PHASES.size()];
        for (int i = 0; i < m.length; i++) {
            int k = i;
            long[] v = phases.stream().mapToLong(a -> a[k]).sorted().toArray();
            m[i] = v.length == 0 ? 0 : Stats.percentile(v, 50);
        }
        return m;
    }

    /**
     * This JVM's CPU time (every thread: the daemon's, the client's, the JIT's) over each run. The kernel counts it
     * in ticks, so one run's figure is coarse and only the mean over many is kept.
     */
    private final java.util.List<Long> cpuNanos = new java.util.ArrayList<>();

    /** The JIT's compile time (all its threads) during the runs since {@link #forgetPhases}: CPU taken from the runtime. */
    private long jitMillis;

    double meanCpuNanos() {
        return cpuNanos.stream().mapToLong(Long::longValue).average().orElse(0);
    }

    double meanJitMillis() {
        return cpuNanos.isEmpty() ? 0 : jitMillis / (double) cpuNanos.size();
    }

    void forgetPhases() {
        phases.clear();
        cpuNanos.clear();
        jitMillis = 0;
    }

    /** The library's runtime, to run a task and keep its bundle before it is deleted. */
    Tasks tasks() {
        return tasks;
    }

    /** Stops and deletes what is left; either way closes the runtime (the daemon closes its {@code Tasks}, which closes it). */
    @Override
    public void close() {
        if (daemon != null) {
            daemon.close();
        } else {
            tasks.close();
        }
    }
}
