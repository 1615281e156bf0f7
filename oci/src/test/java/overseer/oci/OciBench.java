package overseer.oci;

import overseer.core.Isolation;
import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Create + start + wait + delete of /bin/true through Overseer (conmon, the runtime, the exit file) against the
 * bare runtime's {@code run} of the same config.json (through the same {@link Launcher} Overseer calls it with), in
 * the same run, in alternating blocks of n so that drift hits both. Not a test: run it by hand (docs/isolation.md).
 *
 * <p>Arguments: [iterations (30)] [runtimes (runc,crun)].
 */
public final class OciBench {
    private OciBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        List<String> runtimes = List.of((args.length > 1 ? args[1] : "runc,crun").split(","));
        // tmpfs, as /run is on most hosts (not on this repo's machines): both sides keep their bundle there.
        Path root = Path.of("/dev/shm/overseer-bench-" + ProcessHandle.current().pid());
        System.out.println("| runtime | path | mean ms | median ms | p90 ms | ratio to bare (mean) |");
        System.out.println("|---|---|---|---|---|---|");
        try {
            for (String name : runtimes) {
                bench(name, n, root.resolve(name));
            }
        } finally {
            Files2.deleteTree(root);
        }
    }

    private static void bench(String name, int n, Path state) throws Exception {
        OciRuntime probe;
        try {
            probe = OciRuntime.builder().stateDir(state.resolve("probe")).runtime(name).cgroupParent("/overseer-bench").build();
        } catch (RuntimeException e) {
            System.out.println("| " + name + " | unavailable: " + e.getMessage() + " | | | | |");
            return;
        }
        RuntimeBinary binary = probe.binary();
        probe.close();
        Bare bare = new Bare(binary, state.resolve("bare"));
        List<Double> bareMs = new ArrayList<>();
        List<Double> bgMs = new ArrayList<>();
        List<Double> syncMs = new ArrayList<>();
        int rounds = 3;
        try {
            for (int round = 0; round <= rounds; round++) { // round 0 warms up
                boolean keep = round > 0;
                block(n, i -> bare.run("bare-" + i), keep ? bareMs : new ArrayList<>());
                blockOverseer(name, state.resolve("bg"), true, n, keep ? bgMs : new ArrayList<>());
                blockOverseer(name, state.resolve("sync"), false, n, keep ? syncMs : new ArrayList<>());
            }
        } finally {
            bare.close();
        }
        String label = binary.name() + (binary.coverUnified() ? " (cgroup v2 mount covered)" : "");
        row(label, "bare `" + binary.name() + " run` in a private mount namespace", bareMs, bareMs);
        row(label, "Overseer, delete in background (default)", bgMs, bareMs);
        row(label, "Overseer, delete waits for the runtime", syncMs, bareMs);
    }

    /** n runs one after the other; each gets the block's mean too, so that deferred work inside the block counts. */
    private static void block(int n, java.util.function.IntToDoubleFunction op, List<Double> into) {
        for (int i = 0; i < n; i++) {
            into.add(op.applyAsDouble(i));
        }
    }

    /**
     * n tasks through Overseer, one after the other. The runtime is closed inside the timed block, so background
     * deletions still running at its end are waited for and counted: the per-task figure is the block's time / n.
     */
    private static void blockOverseer(String name, Path state, boolean background, int n, List<Double> into) throws Exception {
        OciRuntime rt = OciRuntime.builder().stateDir(state).runtime(name).cgroupParent("/overseer-bench")
                .deleteInBackground(background).build();
        Tasks tasks = new Tasks(rt);
        List<Double> each = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            each.add(overseer(tasks, "t-" + i));
        }
        tasks.close();
        double blockMean = (System.nanoTime() - t0) / 1e6 / n;
        double eachMean = each.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        // Spread what the block's end waited for over its tasks, keeping each one's own spread for the median.
        each.replaceAll(x -> x + (blockMean - eachMean));
        into.addAll(each);
    }

    private static double overseer(Tasks tasks, String id) throws InterruptedException {
        long t0 = System.nanoTime();
        Task task = tasks.create("bench", TaskSpec.of(id, ProcessSpec.of("/bin/true")));
        task.start();
        if (task.await().exitCode() != 0) {
            throw new IllegalStateException(id + " failed: " + task.exit());
        }
        task.delete();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The same bundle Overseer writes, run with the runtime's own "run": create, start, wait and delete in one. */
    private static final class Bare {
        private final RuntimeBinary binary;
        private final TaskPaths paths;

        Bare(RuntimeBinary binary, Path state) throws Exception {
            this.binary = binary;
            this.paths = TaskPaths.init(state, "bench", "bare");
            Files.createDirectories(paths.dir());
            Files.createDirectories(paths.runtimeRoot());
            Bundle.prepareRoot(paths, Isolation.DEFAULT);
            Bundle.write(paths, "bench", "bare", ProcessSpec.of("/bin/true"), "/bin/true", Bundle.Ids.ROOT, Resources.NONE,
                    Isolation.DEFAULT, "/overseer-bench/bare");
        }

        double run(String id) {
            long t0 = System.nanoTime();
            Program.Result r = Program.run(binary.argv(paths.runtimeRoot(), "run", "--bundle", paths.dir().toString(), id));
            if (!r.ok()) {
                throw r.failure();
            }
            return (System.nanoTime() - t0) / 1e6;
        }

        void close() {
            Files2.deleteTree(paths.dir().getParent().getParent().getParent());
            Cgroups.removeEmpty("/overseer-bench");
        }
    }

    private static void row(String runtime, String path, List<Double> list, List<Double> bareList) {
        double[] s = list.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double mean = Arrays.stream(s).average().orElse(0);
        double bareMean = bareList.stream().mapToDouble(Double::doubleValue).average().orElse(1);
        System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %.2f× |%n", runtime, path, mean, s[s.length / 2],
                s[(int) Math.floor(s.length * 0.9)], mean / bareMean);
    }
}
