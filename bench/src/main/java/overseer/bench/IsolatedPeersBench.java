package overseer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An isolated {@code /bin/true} run to its end (create + start + wait + delete) by Overseer and by the tools
 * users would otherwise run, in one run on one rootfs ({@link PeerRootfs}): Overseer through its daemon's API and
 * through its library, on crun and on runc (overseer-monitor holding the task; the library once more with conmon,
 * as before overseer-monitor); the bare {@code crun run} and {@code runc
 * run} of Overseer's own bundle; {@code podman run --rm} on runc and on crun (podman also under conmon); {@code
 * ctr run --rm} on a containerd the bench starts for the run. Every round runs each peer once, the order rotated
 * by one each round so that a burst of foreign load lands on different peers; the first rounds warm up and are
 * not counted. Prints p50/p99 per peer and the ratios, and draws docs/isolated-peers.png.
 *
 * <p>Before the rounds, each Overseer peer runs {@code --jvm-warmup} untimed tasks of its own, as a daemon that
 * has been up for a while has: without them the rounds measure the JIT compiling the path (the daemon's create
 * took 4.4 ms cold and the library's bundle 0.9–1.8 ms, docs/benchmarks.md §19). 200 were too few: C2 was still
 * compiling through the rounds, about 800 methods in 150 of them (-XX:+PrintCompilation), on the two CPUs the
 * runtime wants; after 1,000 it is a trickle (docs/benchmarks.md §24).
 *
 * <p>{@code --only=TEXT} times only the peers whose name contains TEXT (and prints no ratios): for a profile of
 * one peer, such as the perf trace of docs/benchmarks.md §20.
 *
 * <pre>bench/run.sh isolated [--rounds=40] [--warmup=5] [--jvm-warmup=1000] [--only=TEXT] [--png=docs/isolated-peers.png]</pre>
 */
public final class IsolatedPeersBench {
    private IsolatedPeersBench() {
    }

    /** One peer: its label and how it runs /bin/true as a container named {@code id}, in nanos. */
    private record Peer(String name, Run run) {
    }

    @FunctionalInterface
    private interface Run {
        long nanos(String id) throws Exception;
    }

    /** Held so that the level sticks: the daemons' web server logs every listener start and stop at INFO. */
    private static final java.util.logging.Logger HELIDON = java.util.logging.Logger.getLogger("io.helidon");

    public static void main(String[] argv) throws Exception {
        HELIDON.setLevel(java.util.logging.Level.WARNING);
        Args args = Args.parse(argv);
        int rounds = args.intOption("rounds", 40);
        int warmup = args.intOption("warmup", 5);
        int jvmWarmup = args.intOption("jvm-warmup", 1000);
        Path png = Path.of(args.option("png", "docs/isolated-peers.png"));
        String only = args.option("only", "");
        System.out.printf("IsolatedPeersBench: %d rounds (+%d warm-up), %s%n", rounds, warmup, Machine.now().describe());
        System.out.println("the bare runtimes and podman on crun: " + PeerTools.launcher().describe());
        PeerTools.require("IsolatedPeersBench", List.of("crun", "runc", "conmon", "unshare", "mount", "tar", "ldd", "podman", "containerd", "ctr"));
        Closer open = new Closer();
        // Closed in reverse order of opening: the scratch directory (mounts, cgroups, files) last.
        Scratch scratch = open.add(Scratch.create("ovpeers"));
        try {
            PeerRootfs rootfs = PeerRootfs.build(scratch.dir);
            List<Peer> peers = new ArrayList<>();
            Map<String, OverseerIsolated> overseers = new LinkedHashMap<>();
            for (String runtime : List.of("crun", "runc")) {
                Path libState = scratch.resolve("l-" + runtime);
                OverseerIsolated lib = OverseerIsolated.library(libState, runtime, rootfs.dir(), false);
                open.add(lib);
                OverseerIsolated conmon = OverseerIsolated.library(scratch.resolve("c-" + runtime), runtime, rootfs.dir(), true);
                open.add(conmon);
                BareRuntime bare = BareRuntime.copiedFrom(lib, libState, scratch.resolve("bare-" + runtime));
                OverseerIsolated api = OverseerIsolated.daemon(scratch.resolve("a-" + runtime), runtime, rootfs.dir());
                open.add(api);
                overseers.put(overseer("API", runtime), api);
                overseers.put(overseer("library", runtime), lib);
                overseers.put("Overseer library, " + runtime + " + conmon", conmon);
                peers.add(new Peer("bare `" + runtime + " run`" + (bare.coversUnified() ? " (v2 mount covered)" : ""), bare::runTrue));
                overseers.forEach((name, o) -> {
                    if (name.contains(runtime)) {
                        peers.add(new Peer(name, o::runTrue));
                    }
                });
            }
            Podman podman = Podman.withImage(scratch.resolve("podman"), rootfs);
            open.add(podman::close);
            for (String runtime : List.of("runc", "crun")) {
                boolean cover = runtime.equals("crun");
                peers.add(new Peer("podman run --rm, " + runtime + (cover ? " (v2 mount covered)" : ""),
                        id -> Cmd.run(scratch.dir, podman.runArgv(runtime, cover, id, false, "/bin/true")).orThrow().nanos()));
            }
            Containerd containerd = Containerd.start(scratch.resolve("containerd"));
            open.add(containerd);
            containerd.importImage(podman.saveOciArchive(scratch.resolve("image.oci.tar")));
            peers.add(new Peer("ctr run --rm (containerd, runc shim)",
                    id -> Cmd.run(scratch.dir, containerd.runArgv(id, false, "/bin/true")).orThrow().nanos()));
            peers.add(new Peer("harness: ProcessBuilder /bin/true", id -> Cmd.run(scratch.dir, "/bin/true").orThrow().nanos()));

            if (!only.isEmpty()) {
                peers.removeIf(p -> !p.name().contains(only));
                overseers.keySet().removeIf(name -> !name.contains(only));
            }
            // A daemon has served many tasks before the ones that count: its JVM has compiled the path they take.
            for (OverseerIsolated o : overseers.values()) {
                for (int i = 0; i < jvmWarmup; i++) {
                    o.runTrue("jvm-warmup-" + i);
                }
            }
            if (jvmWarmup > 0) {
                System.out.println("JVM warm-up done: " + jvmWarmup + " untimed runs per Overseer peer");
            }
            Map<String, long[]> nanos = new LinkedHashMap<>();
            peers.forEach(p -> nanos.put(p.name(), new long[rounds]));
            for (int round = 0; round < warmup + rounds; round++) {
                for (int k = 0; k < peers.size(); k++) {
                    Peer p = peers.get((k + round) % peers.size());
                    long t = p.run().nanos("r" + round + "-" + k);
                    if (round >= warmup) {
                        nanos.get(p.name())[round - warmup] = t;
                    }
                }
                if (round == warmup - 1) {
                    overseers.values().forEach(OverseerIsolated::forgetPhases);
                    System.out.println("warm-up done; " + Machine.loadAverage() + " load");
                }
            }
            if (only.isEmpty()) {
                report(peers, nanos, overseers, png);
            } else {
                peers.forEach(p -> Latencies.of(p.name(), nanos.get(p.name())).print(System.out));
                printPhases(overseers);
            }
        } finally {
            open.close();
        }
    }

    private static void report(List<Peer> peers, Map<String, long[]> nanos, Map<String, OverseerIsolated> overseers, Path png)
            throws Exception {
        Map<String, Latencies> l = new LinkedHashMap<>();
        peers.forEach(p -> l.put(p.name(), Latencies.of(p.name(), nanos.get(p.name()))));
        System.out.println();
        System.out.println("| peer | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---:|---:|---:|");
        for (Latencies x : l.values()) {
            System.out.printf("| %s | %.1f | %.1f | %.1f |%n", x.what(), x.p50() / 1e6, x.p99() / 1e6, x.max() / 1e6);
        }
        printPhases(overseers);
        double harness = l.get("harness: ProcessBuilder /bin/true").p50();
        System.out.println();
        System.out.println("ratios of p50 (goal: Overseer ≤ 1.15× the bare runtime; faster than podman and ctr, i.e. their ratio > 1):");
        for (String runtime : List.of("crun", "runc")) {
            Latencies bare = l.values().stream().filter(x -> x.what().startsWith("bare `" + runtime)).findFirst().orElseThrow();
            for (String kind : List.of("API", "library")) {
                Latencies o = l.get(overseer(kind, runtime));
                System.out.printf("  Overseer %s ÷ bare %s: %.2f× (%.2f× with the harness's spawn, %.1f ms, taken off both)%n", kind,
                        runtime, ratio(o, bare), (o.p50() - harness) / (bare.p50() - harness), harness / 1e6);
            }
            Latencies conmon = l.get("Overseer library, " + runtime + " + conmon");
            System.out.printf("  Overseer library ÷ bare %s, under conmon as before: %.2f×; overseer-monitor ÷ conmon: %.2f×%n",
                    runtime, ratio(conmon, bare), ratio(l.get(overseer("library", runtime)), conmon));
        }
        for (Latencies x : l.values()) {
            if (x.what().startsWith("podman") || x.what().startsWith("ctr")) {
                String runtime = x.what().contains("crun") ? "crun" : "runc";
                Latencies o = l.get(overseer("API", runtime));
                System.out.printf("  %s ÷ Overseer API on %s: %.2f×%n", x.what(), runtime, ratio(x, o));
            }
        }
        BarPlot.write(png, "Isolated /bin/true: create + start + wait + delete, one run, interleaved", Machine.now().describe(),
                List.copyOf(l.values()));
        System.out.println("plot: " + png);
    }

    private static void printPhases(Map<String, OverseerIsolated> overseers) {
        System.out.println();
        System.out.println("where Overseer's time goes: median ms from the run's start to the end of each phase");
        System.out.println("| peer | " + String.join(" | ", OverseerIsolated.PHASES) + " | this JVM's CPU per run, mean | JIT compiling per run, mean |");
        System.out.println("|---|" + "---:|".repeat(OverseerIsolated.PHASES.size() + 2));
        for (var e : overseers.entrySet()) {
            StringBuilder row = new StringBuilder("| " + e.getKey() + " |");
            for (long m : e.getValue().medianPhases()) {
                row.append(String.format(" %.1f |", m / 1e6));
            }
            row.append(String.format(" %.1f | %.1f |", e.getValue().meanCpuNanos() / 1e6, e.getValue().meanJitMillis()));
            System.out.println(row);
        }
    }

    private static String overseer(String kind, String runtime) {
        return "Overseer " + kind + ", " + runtime + " + overseer-monitor";
    }

    private static double ratio(Latencies a, Latencies b) {
        return a.p50() / (double) b.p50();
    }
}
