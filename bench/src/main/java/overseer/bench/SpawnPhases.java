package overseer.bench;

import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where one spawn + wait of {@code /bin/true} spends its time, phase by phase, in Overseer (create, start,
 * await, delete) beside the bare FFM posix_spawn + waitpid (spawn, wait), sequentially in one JVM, in
 * alternating slices so that a noisy moment lands on both. The medians say which phase costs more than the
 * floor's; the means (what SpawnBench reports) also carry the tail.
 *
 * <p>With {@code --every-task-cgroup=true}, a third peer: Overseer with {@code cgroupEveryTask} (every task in
 * cgroups of its own, under {@code overseer-bench-phases}), what leftover cleanup by cgroup would cost every
 * spawn where Overseer instead kills the init's process groups.
 *
 * <p>Usage: {@code SpawnPhases [--spawns=1000] [--slices=6] [--every-task-cgroup=true] [--open-descriptors=N]}.
 */
public final class SpawnPhases {
    private static final ProcessSpec TRUE = ProcessSpec.of("/bin/true");

    private SpawnPhases() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        int spawns = args.intOption("spawns", 1000);
        int slices = args.intOption("slices", 6);
        PrintStream out = System.out;
        out.println("SpawnPhases: " + spawns + " spawns per slice, " + slices + " slices each, alternating");
        out.println("machine: " + Machine.now().describe());
        boolean everyTask = Boolean.parseBoolean(args.option("every-task-cgroup", "false"));
        // Descriptors held open meanwhile, as a daemon holds several per live task: a child that copies the
        // whole table pays for each of them (docs/benchmarks.md §22).
        int held = args.intOption("open-descriptors", 0);
        List<FileChannel> open = new ArrayList<>();
        for (int i = 0; i < held; i++) {
            open.add(FileChannel.open(Path.of("/dev/null")));
        }
        out.println("descriptors held open by this JVM meanwhile: " + held);
        try (Tasks tasks = new Tasks(new NativeRuntime()); FfmSpawner ffm = new FfmSpawner();
             Tasks cgrouped = new Tasks(new NativeRuntime(NativeRuntime.Options.defaults()
                     .withCgroupParent("overseer-bench-phases").withCgroupEveryTask(true)));
             Tasks v1Tracked = new Tasks(new NativeRuntime(NativeRuntime.Options.defaults()
                     .withCgroupParent("overseer-bench-phases-v1").withCgroupEveryTask(true).withV2Tracking(false)))) {
            overseer(tasks, "w", spawns); // warm-up, not counted
            ffm(ffm, spawns);
            if (everyTask) {
                overseer(cgrouped, "w", spawns);
                overseer(v1Tracked, "w", spawns);
            }
            for (int s = 0; s < slices; s++) {
                out.println("Overseer  " + overseer(tasks, "s" + s + "-", spawns));
                out.println("FFM       " + ffm(ffm, spawns));
                if (everyTask) {
                    out.println("cgrouped  " + overseer(cgrouped, "s" + s + "-", spawns));
                    out.println("v1-only   " + overseer(v1Tracked, "s" + s + "-", spawns));
                }
            }
        } finally {
            for (FileChannel c : open) {
                c.close();
            }
        }
    }

    private static String overseer(Tasks tasks, String prefix, int n) throws InterruptedException {
        long[] create = new long[n];
        long[] start = new long[n];
        long[] await = new long[n];
        long[] delete = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Task t = tasks.create(Tasks.DEFAULT_NAMESPACE, TaskSpec.of("phase-" + prefix + i, TRUE));
            long t1 = System.nanoTime();
            t.start();
            long t2 = System.nanoTime();
            t.await();
            long t3 = System.nanoTime();
            t.delete();
            long t4 = System.nanoTime();
            create[i] = t1 - t0;
            start[i] = t2 - t1;
            await[i] = t3 - t2;
            delete[i] = t4 - t3;
        }
        return String.format("median µs: create %6.1f  start %6.1f  await %6.1f  delete %5.1f   mean total %7.1f µs",
                median(create), median(start), median(await), median(delete), mean(create, start, await, delete));
    }

    private static String ffm(FfmSpawner ffm, int n) throws Exception {
        long[] spawnAndWait = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            ffm.spawnAndWait();
            spawnAndWait[i] = System.nanoTime() - t0;
        }
        return String.format("median µs: spawn+wait %6.1f                                   mean total %7.1f µs",
                median(spawnAndWait), mean(spawnAndWait));
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e3;
    }

    private static double mean(long[]... phases) {
        long sum = 0;
        for (long[] p : phases) {
            sum += Arrays.stream(p).sum();
        }
        return sum / 1e3 / phases[0].length;
    }
}
