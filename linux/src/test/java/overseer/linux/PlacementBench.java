package overseer.linux;

import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What race-free cgroup placement costs: the whole life of a task running /bin/true (create, start, exit,
 * delete), sequentially, without limits and with a pids limit under each placement this host can do.
 * Not a JUnit test (the name does not end in Test); run it as root:
 * <pre>
 * ./mvnw -q -B -pl linux -am install -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp core/target/classes:linux/target/classes:linux/target/test-classes \
 *     overseer.linux.PlacementBench [tasks per round, default 500] [rounds, default 5]
 * </pre>
 */
public final class PlacementBench {
    private PlacementBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        CgroupLayout detected = CgroupLayout.detect();
        if (!detected.usable()) {
            System.err.println("cgroups cannot be used here: " + detected.problem().orElse(""));
            System.exit(1);
        }
        Map<String, Case> cases = new LinkedHashMap<>();
        Resources limited = Resources.builder().pidsLimit(64).build();
        cases.put("no limits: plain posix_spawn, no cgroup", new Case(detected, Resources.NONE, false));
        cases.put("pids limit: gate into v1 + v2 cgroups (default here)", new Case(detected, limited, false));
        cases.put("pids limit: v1 thread placement (v2Tracking=false)", new Case(detected.withoutV2(), limited, false));
        detected.v2().ifPresent(v2 -> cases.put("no limits, cgroup anyway: gate into one v2 cgroup",
                new Case(new CgroupLayout(detected.root(), Map.of(), Optional.of(v2), true), Resources.NONE, true)));

        System.out.printf("%d tasks of /bin/true per round, %d rounds, sequential; kernel %s, %d cpus%n", n, rounds,
                System.getProperty("os.version"), Runtime.getRuntime().availableProcessors());
        for (Case c : cases.values()) {
            run(c, Math.max(50, n / 5)); // warm-up: JIT, class loading, first cgroups
        }
        // Rounds go through the cases in turn, so that a noisy moment on the host hits every case alike.
        Map<String, double[]> totalUs = new LinkedHashMap<>();
        Map<String, double[]> startUs = new LinkedHashMap<>();
        cases.keySet().forEach(k -> {
            totalUs.put(k, new double[rounds]);
            startUs.put(k, new double[rounds]);
        });
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Case> c : cases.entrySet()) {
                long t0 = System.nanoTime();
                long[] starts = run(c.getValue(), n);
                totalUs.get(c.getKey())[r] = (System.nanoTime() - t0) / 1000.0 / n;
                Arrays.sort(starts);
                startUs.get(c.getKey())[r] = starts[n / 2] / 1000.0;
            }
        }
        System.out.printf("%-56s %22s %22s%n", "", "start() median µs", "whole task µs (/s)");
        for (String k : cases.keySet()) {
            double start = median(startUs.get(k));
            double total = median(totalUs.get(k));
            System.out.printf("%-56s %22.0f %15.0f (%4.0f)%n", k, start, total, 1e6 / total);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private record Case(CgroupLayout layout, Resources resources, boolean everyTask) {
    }

    private static int sequence;

    /**
     * Runs {@code n} tasks one after the other: create (which makes no cgroup yet), start (cgroups, limits,
     * placement, spawn), wait for the exit, delete (kill what is left, remove the cgroups). Returns how long
     * each start took, in ns.
     */
    private static long[] run(Case c, int n) throws Exception {
        long[] starts = new long[n];
        NativeRuntime runtime = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent("overseer-bench")
                .withCgroupEveryTask(c.everyTask()), c.layout());
        try (Tasks tasks = new Tasks(runtime)) {
            for (int i = 0; i < n; i++) {
                Task t = tasks.create("bench", TaskSpec.of("t" + sequence++, ProcessSpec.of("/bin/true")).withResources(c.resources()));
                long t0 = System.nanoTime();
                t.start();
                starts[i] = System.nanoTime() - t0;
                if (t.await().exitCode() != 0) {
                    throw new IllegalStateException("/bin/true failed: " + t.exit());
                }
                t.delete();
            }
        }
        return starts;
    }
}
