package overseer.bench;

import overseer.client.OverseerClient;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.linux.NativeRuntime;
import overseer.server.Daemon;
import overseer.wire.ServiceSpec;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory per idle task, in one run: (1) the daemon's heap per 1,000 idle native tasks (a daemon in this JVM,
 * tasks created and started over its API; live bytes from {@code GC.class_histogram}, which collects first,
 * measured with the daemon up and warm and again with the tasks alive, with the classes that grew most: the
 * profile of where it goes); (2) the per-task monitor of an isolated task, RSS and PSS: Overseer's
 * overseer-monitor and its conmon (for a terminal or stdin) beside
 * podman's conmon and containerd's runc shim, each holding an idle {@code /bin/sleep} on the peers' rootfs.
 * Overseer's native tasks have no per-task monitor at all (the per-host monitor, docs/daemon.md, holds them all).
 *
 * <pre>bench/run.sh memory [--tasks=1000] [--monitors=5] [--png=docs/memory-peers.png]</pre>
 */
public final class MemoryPeersBench {
    private static final java.util.logging.Logger HELIDON = java.util.logging.Logger.getLogger("io.helidon");

    private MemoryPeersBench() {
    }

    public static void main(String[] argv) throws Exception {
        HELIDON.setLevel(java.util.logging.Level.WARNING);
        Args args = Args.parse(argv);
        int tasks = args.intOption("tasks", 1000);
        int monitors = args.intOption("monitors", 5);
        Path png = Path.of(args.option("png", "docs/memory-peers.png"));
        System.out.printf("MemoryPeersBench: %d idle tasks, %d monitors per peer, %s%n", tasks, monitors, Machine.now().describe());
        PeerTools.require("MemoryPeersBench", List.of("crun", "conmon", "unshare", "tar", "ldd", "podman", "containerd", "ctr"));
        Closer open = new Closer();
        // Closed in reverse order of opening: the scratch directory (mounts, cgroups, files) last.
        Scratch scratch = open.add(Scratch.create("ovmem"));
        try {
            daemonHeap(scratch, tasks);
            monitorRss(scratch, monitors, open, png);
        } finally {
            open.close();
        }
    }

    private static void daemonHeap(Scratch scratch, int n) throws Exception {
        HeapHistogram before = HeapHistogram.now(scratch.dir);
        try (Daemon d = new Daemon(new NativeRuntime(), scratch.resolve("d.sock"), scratch.resolve("store"), true)) {
            OverseerClient c = new OverseerClient(d.socket());
            // Warm: every lazily made part of a task's path (the store's statements, the JSON codecs) exists before the count.
            for (int i = 0; i < 20; i++) {
                c.createTask("default", ServiceSpec.of(sleeper("warm" + i)));
                c.start("default", "warm" + i);
                c.kill("default", "warm" + i, "SIGKILL", false);
                c.await("default", "warm" + i, java.time.Duration.ofSeconds(30));
                c.delete("default", "warm" + i);
            }
            HeapHistogram empty = HeapHistogram.now(scratch.dir);
            long mxEmpty = usedAfterGc();
            for (int i = 0; i < n; i++) {
                c.createTask("default", ServiceSpec.of(sleeper("t" + i)));
                c.start("default", "t" + i);
            }
            HeapHistogram full = HeapHistogram.now(scratch.dir);
            long mxFull = usedAfterGc();
            double perThousand = (full.bytes() - empty.bytes()) / 1e6 * 1000 / n;
            System.out.printf("%ndaemon heap, live bytes (GC.class_histogram): empty daemon %.1f MB over the JVM before it; "
                    + "with %d idle tasks +%.2f MB: %.2f MB per 1,000 tasks (goal ≤ 4 MB), %.0f bytes per task%n",
                    (empty.bytes() - before.bytes()) / 1e6, n, (full.bytes() - empty.bytes()) / 1e6, perThousand,
                    (full.bytes() - empty.bytes()) / (double) n);
            System.out.printf("the same by MemoryMXBean heap used after System.gc(): %.2f MB per 1,000 tasks; "
                    + "counted from before the daemon, as ApiBench does: %.2f MB%n", (mxFull - mxEmpty) / 1e6 * 1000 / n,
                    (full.bytes() - before.bytes()) / 1e6 * 1000 / n);
            System.out.println("| class (growth with the idle tasks) | bytes per task | instances per task |");
            System.out.println("|---|---:|---:|");
            for (HeapHistogram.Growth g : full.topGrowth(empty, 15)) {
                System.out.printf("| %s | %.0f | %.1f |%n", g.className(), g.bytes() / (double) n, g.instances() / (double) n);
            }
        }
    }

    private static void monitorRss(Scratch scratch, int k, Closer open, Path png) throws Exception {
        PeerRootfs rootfs = PeerRootfs.build(scratch.resolve("img"));
        Map<String, List<ProcMemory>> peers = new LinkedHashMap<>();
        for (boolean conmon : List.of(false, true)) {
            Path libState = scratch.resolve(conmon ? "oci-conmon" : "oci");
            OverseerIsolated overseer = OverseerIsolated.library(libState, "crun", rootfs.dir(), conmon);
            open.add(overseer);
            List<ProcMemory> monitors = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                Task t = overseer.tasks().create(OverseerIsolated.NAMESPACE,
                        TaskSpec.of("m" + i, ProcessSpec.of("/bin/sleep", "100000")).withIsolation(overseer.isolation()));
                t.start();
                // tasks/NS/ID/conmon.pid: the task's monitor, whichever it is (oci's TaskPaths)
                long pid = Long.parseLong(Files.readString(libState.resolve("tasks").resolve(OverseerIsolated.NAMESPACE)
                        .resolve("m" + i).resolve("conmon.pid")).strip());
                monitors.add(ProcMemory.of(pid));
            }
            peers.put("Overseer isolated task (" + overseer.runtimeName() + "): its " + (conmon ? "conmon" : "overseer-monitor"), monitors);
        }

        Podman podman = Podman.withImage(scratch.resolve("podman"), rootfs);
        open.add(podman::close);
        List<ProcMemory> podmanConmons = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            Cmd.run(scratch.dir, podman.runArgv("runc", false, "pm" + i, true, "/bin/sleep", "100000")).orThrow();
            long pid = Long.parseLong(podman.cmd("inspect", "--format", "{{.State.ConmonPid}}", "pm" + i).orThrow().out().strip());
            podmanConmons.add(ProcMemory.of(pid));
        }
        peers.put("podman run --detach (runc): its conmon", podmanConmons);

        Containerd containerd = Containerd.start(scratch.resolve("containerd"));
        open.add(containerd);
        containerd.importImage(podman.saveOciArchive(scratch.resolve("image.oci.tar")));
        for (int i = 0; i < k; i++) {
            Cmd.run(scratch.dir, containerd.runArgv("cm" + i, true, "/bin/sleep", "100000")).orThrow();
        }
        peers.put("ctr run --detach: its containerd-shim-runc-v2", containerd.shims().stream().map(ProcMemory::of).toList());

        System.out.println();
        System.out.println("| per-task monitor | n | RSS KB (median) | PSS KB (median) |");
        System.out.println("|---|---:|---:|---:|");
        List<AmountPlot.Bar> bars = new ArrayList<>();
        for (var e : peers.entrySet()) {
            long rss = median(e.getValue().stream().mapToLong(ProcMemory::rssKb).toArray());
            long pss = median(e.getValue().stream().mapToLong(ProcMemory::pssKb).toArray());
            System.out.printf("| %s | %d | %d | %d |%n", e.getKey(), e.getValue().size(), rss, pss);
            bars.add(new AmountPlot.Bar(e.getKey(), pss, rss));
        }
        AmountPlot.write(png, "Per-task monitor of an idle isolated task: Overseer's two, podman's conmon, containerd's shim",
                "KB; dark: PSS (shared pages divided among the monitors), pale: RSS; medians of " + k + " each; " + Machine.now().date()
                        + ", load " + Machine.loadAverage(),
                "KB", bars);
        System.out.println("plot: " + png);
    }

    private static long median(long[] v) {
        java.util.Arrays.sort(v);
        return Stats.percentile(v, 50);
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static TaskSpec sleeper(String id) {
        return TaskSpec.of(id, ProcessSpec.of("/bin/sleep", "100000"));
    }
}
