package overseer.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;

/**
 * Spawn + wait of /bin/true, N times sequentially and then from several callers at once, through Overseer's
 * native runtime, its JVM peers and a C posix_spawn loop, in one run. Every peer is measured in every round
 * and the order rotates from round to round, so a noisy moment on this shared machine lands on different
 * peers each time; the medians of the rounds are reported, with the share of CPU that other work on the
 * machine took while each was measured.
 *
 * <p>The warm-up is long enough for C2 to compile the hot paths of every peer (with 300, JFR and perf showed the
 * compiler threads taking a fifth of both CPUs during the measured rounds, and the peer with the most code paid
 * for it): what is measured is the cost per spawn of a JVM that has been running, as a supervisor has.
 *
 * <p>Options: {@code --spawns=2000 --warmup=3000 --rounds=5 --callers=8 --csv=bench/target/spawn.csv}, and
 * {@code --peers=Overseer,FFM} to measure only the peers whose names start with one of those words (a
 * profiling run: the full comparison is every peer).
 */
public final class SpawnBench {
    private static final String OVERSEER = "Overseer native";
    private static final String PROCESS_BUILDER = "JDK ProcessBuilder";
    private static final String C_LOOP = "C posix_spawn";
    private static final String JVM_FLOOR = "FFM posix_spawn";
    private static final double FLOOR_TARGET = 1.2;
    private static final double PROCESS_BUILDER_TARGET = 1.8;

    private SpawnBench() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        int spawns = args.intOption("spawns", 2000);
        int warmup = args.intOption("warmup", 3000);
        int rounds = args.intOption("rounds", 5);
        int callers = args.intOption("callers", 8);
        Path csv = Path.of(args.option("csv", "bench/target/spawn.csv"));
        if (spawns < callers || warmup < callers) {
            throw new IllegalArgumentException("--spawns and --warmup must be at least --callers (" + callers + ")");
        }
        PrintStream out = System.out;

        Machine machine = Machine.now();
        out.printf("SpawnBench: %d spawns per run, %d warm-up, %d rounds, 1 and %d callers%n",
                spawns, warmup, rounds, callers);
        out.println("machine: " + machine.describe());

        List<String> only = List.of(args.option("peers", "").split(",")).stream().filter(w -> !w.isBlank()).toList();
        List<Contender> contenders = contenders(warmup, out);
        if (!only.isEmpty()) {
            for (Contender c : List.copyOf(contenders)) {
                if (only.stream().noneMatch(c.name()::startsWith)) {
                    contenders.remove(c);
                    c.close();
                }
            }
        }
        try {
            warmUp(contenders, warmup, callers, out);
            List<SpawnResult> results = measure(contenders, spawns, rounds, callers);
            out.println("load after: " + Machine.loadAverage());
            report(results, out);
            writeCsv(csv, machine, results);
            out.println("CSV: " + csv.toAbsolutePath());
        } finally {
            contenders.forEach(Contender::close);
        }
    }

    private static List<Contender> contenders(int warmup, PrintStream out) throws InterruptedException {
        List<Contender> all = new ArrayList<>();
        all.add(new JvmContender(OVERSEER, new OverseerSpawner()));
        try {
            all.add(CFloor.compile(warmup));
        } catch (IOException e) {
            out.println("C floor skipped: " + e.getMessage());
        }
        all.add(new JvmContender(JVM_FLOOR, new FfmSpawner()));
        all.add(new JvmContender(PROCESS_BUILDER, new ProcessBuilderSpawner()));
        all.add(new JvmContender("NuProcess 3.0.0", new NuProcessSpawner()));
        all.add(new JvmContender("zt-exec 1.12", new ZtExecSpawner()));
        all.add(new JvmContender("Commons Exec 1.5.0", new CommonsExecSpawner()));
        return all;
    }

    /** A peer that cannot run here is dropped with its reason rather than ending the whole comparison. */
    private static void warmUp(List<Contender> contenders, int warmup, int callers, PrintStream out) {
        for (Contender c : List.copyOf(contenders)) {
            try {
                c.warmUp(warmup, 1);
                c.warmUp(warmup, callers);
            } catch (Exception e) {
                out.println(c.name() + " skipped: it failed during warm-up: " + e);
                contenders.remove(c);
                c.close();
            }
        }
    }

    private static List<SpawnResult> measure(List<Contender> contenders, int spawns, int rounds, int callers)
            throws Exception {
        Map<String, List<SpawnResult.Round>> samples = new LinkedHashMap<>();
        for (int mode : new int[] {1, callers}) {
            for (Contender c : contenders) {
                samples.put(key(c.name(), mode), new ArrayList<>());
            }
        }
        for (int r = 0; r < rounds; r++) {
            List<Contender> order = rotated(contenders, r);
            for (int mode : new int[] {1, callers}) {
                for (Contender c : order) {
                    CpuMeter before = CpuMeter.now();
                    Sample s = c.run(spawns, mode);
                    double foreign = before.foreignPercent(CpuMeter.now());
                    samples.get(key(c.name(), mode)).add(new SpawnResult.Round(s, foreign));
                    System.err.printf("round %d  %-20s %2d caller(s)  %8.0f/s  %8.1f µs  others used %4.1f%% CPU%n",
                            r + 1, c.name(), mode, s.perSecond(), s.meanMicros(), foreign);
                }
            }
        }
        List<SpawnResult> results = new ArrayList<>();
        for (int mode : new int[] {1, callers}) {
            for (Contender c : contenders) {
                results.add(new SpawnResult(c.name(), mode, samples.get(key(c.name(), mode))));
            }
        }
        return results;
    }

    private static String key(String peer, int callers) {
        return peer + "/" + callers;
    }

    private static <T> List<T> rotated(List<T> list, int by) {
        List<T> r = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            r.add(list.get((i + by) % list.size()));
        }
        return r;
    }

    private static void report(List<SpawnResult> results, PrintStream out) {
        out.println();
        out.printf("%-20s %-11s %12s %14s %12s %10s %10s %11s%n", "peer", "mode", "processes/s", "mean µs/spawn",
                "vs Overseer", "best /s", "best µs", "others CPU");
        for (SpawnResult r : results) {
            double base = find(results, OVERSEER, r.callers()).map(SpawnResult::perSecond).orElse(Double.NaN);
            out.printf("%-20s %-11s %12.0f %14.1f %11.2f× %10.0f %10.1f %10.1f%%%n", r.peer(), r.mode(),
                    r.perSecond(), r.meanMicros(), r.perSecond() / base, r.bestPerSecond(), r.bestMeanMicros(),
                    r.foreignCpuPercent());
        }
        out.println("(medians of the rounds; best = the fastest round; others CPU = median share of both CPUs"
                + " that other work took meanwhile)");
        out.println();
        for (SpawnResult o : results.stream().filter(r -> r.peer().equals(OVERSEER)).toList()) {
            find(results, JVM_FLOOR, o.callers()).ifPresent(f -> out.printf(
                    "Overseer time vs FFM posix_spawn in this JVM, %s: %.2f× median, %.2f× best (no target: the runtime's own cost)%n",
                    o.mode(), o.meanMicros() / f.meanMicros(), o.bestMeanMicros() / f.bestMeanMicros()));
            find(results, C_LOOP, o.callers()).ifPresent(c -> {
                double median = o.meanMicros() / c.meanMicros();
                double best = o.bestMeanMicros() / c.bestMeanMicros();
                out.printf("Overseer time vs C loop, %s: %.2f× median, %.2f× best (target ≤ %.1f×: %s)%n",
                        o.mode(), median, best, FLOOR_TARGET, verdict(median <= FLOOR_TARGET, best <= FLOOR_TARGET));
            });
            find(results, PROCESS_BUILDER, o.callers()).ifPresent(pb -> {
                double median = o.perSecond() / pb.perSecond();
                double best = o.bestPerSecond() / pb.bestPerSecond();
                out.printf("Overseer rate vs ProcessBuilder, %s: %.2f× median, %.2f× best (target ≥ %.1f×: %s)%n",
                        o.mode(), median, best, PROCESS_BUILDER_TARGET,
                        verdict(median >= PROCESS_BUILDER_TARGET, best >= PROCESS_BUILDER_TARGET));
            });
        }
    }

    private static String verdict(boolean byMedian, boolean byBest) {
        return byMedian ? "met" : byBest ? "met by the best rounds only" : "NOT met";
    }

    private static Optional<SpawnResult> find(List<SpawnResult> results, String peer, int callers) {
        return results.stream().filter(r -> r.peer().equals(peer) && r.callers() == callers).findFirst();
    }

    private static void writeCsv(Path csv, Machine machine, List<SpawnResult> results) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(machine.toComment());
        lines.add("peer,mode,callers,spawns,rounds,per_s,mean_us,vs_overseer,round_per_s,foreign_cpu_pct,best_per_s,"
                + "best_mean_us");
        for (SpawnResult r : results) {
            double base = find(results, OVERSEER, r.callers()).map(SpawnResult::perSecond).orElse(Double.NaN);
            lines.add(String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%.1f,%.1f,%.3f,%s,%.1f,%.1f,%.1f", r.peer(),
                    r.mode(), r.callers(), r.spawns(), r.rounds().size(), r.perSecond(), r.meanMicros(),
                    r.perSecond() / base, r.roundRates(), r.foreignCpuPercent(), r.bestPerSecond(),
                    r.bestMeanMicros()));
        }
        if (csv.getParent() != null) {
            Files.createDirectories(csv.getParent());
        }
        Files.write(csv, lines);
    }
}
