package overseer.bench;

import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Ten thousand live tasks in one {@link Tasks}: what they cost the JVM (threads, heap), how fast they start,
 * and how long a SIGKILL takes to come back as a /tasks/exit event.
 *
 * <p>Usage: {@code ScaleBench [COUNT] [--batch=100] [--warmup=300]}. Kills go out in batches, and the next
 * batch waits for the previous batch's exit events, so no backlog builds up across batches; within a batch
 * the exits still queue for the CPUs (the kernel tears the processes down one after another), which
 * {@code --batch=1} removes. A warm-up round of the same start/kill/delete cycle runs first and is not counted,
 * so the exit path is compiled before it is timed. When gcc is there, the same kill pattern is then
 * timed from C as the floor.
 */
public final class ScaleBench {
    private static final ProcessSpec SLEEP = ProcessSpec.of("/bin/sleep", "1000"); // stdio on /dev/null
    private static final int THREAD_TARGET = 16;
    private static final long HEAP_TARGET = 256L << 20;
    private static final long P99_TARGET_NANOS = 1_000_000;
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

    private ScaleBench() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        int count = args.count(10_000);
        int batch = args.intOption("batch", 100);
        int warmup = args.intOption("warmup", 300);
        PrintStream out = System.out;
        out.printf("ScaleBench: %d tasks of /bin/sleep 1000, kills in batches of %d, %d warm-up tasks%n",
                count, batch, warmup);
        out.println("machine: " + Machine.now().describe());
        out.printf("max heap (-Xmx): %d MB%n", Runtime.getRuntime().maxMemory() >> 20);

        NativeRuntime runtime = new NativeRuntime();
        try (Tasks tasks = new Tasks(runtime)) {
            deleteAll(killAll(tasks, startAll(tasks, "w", warmup).tasks(), batch).tasks());

            CpuMeter before = CpuMeter.now();
            Started started = startAll(tasks, "t", count);
            List<Task> running = started.tasks();
            out.printf("started %d tasks in %.2f s: %.0f tasks/s (others used %.1f%% CPU); descriptors watched: %d%n",
                    count, started.seconds(), count / started.seconds(), before.foreignPercent(CpuMeter.now()),
                    runtime.watched());
            out.println("  start rate (tasks/s) of each tenth, first to last: " + started.describeRates());

            Footprint f = Footprint.now();
            out.printf("Java threads: %d (Thread.getAllStackTraces), %d (ThreadMXBean); OS threads of the JVM: %d%n",
                    f.stackTraceThreads(), f.mxBeanThreads(), f.osThreads());
            out.println("  " + f.threadNames());
            out.printf("heap used after GC: %.1f MB of %d MB max; JVM resident set: %.0f MB%n",
                    f.heapUsed() / 1048576.0, f.heapMax() >> 20, f.rssBytes() / 1048576.0);

            before = CpuMeter.now();
            Killed killed = killAll(tasks, running, batch);
            out.printf("killed in batches of %d (others used %.1f%% CPU meanwhile)%n", batch,
                    before.foreignPercent(CpuMeter.now()));
            killed.killToEvent().print(out);
            killed.exitToEvent().print(out);

            long t0 = System.nanoTime();
            deleteAll(running);
            out.printf("deleted %d tasks in %.2f s; descriptors still watched: %d%n",
                    count, (System.nanoTime() - t0) / 1e9, runtime.watched());
            Optional<Latencies> floor = killFloor(count, batch, out);

            out.println();
            verdict(out, "Java threads with " + count + " live tasks", f.javaThreads() + "",
                    "≤ " + THREAD_TARGET, f.javaThreads() <= THREAD_TARGET);
            verdict(out, "heap used after GC", String.format("%.1f MB", f.heapUsed() / 1048576.0),
                    "≤ 256 MB", f.heapUsed() <= HEAP_TARGET);
            verdict(out, "kill → exit event p99 (incl. kernel)", String.format("%.1f µs", killed.killToEvent().p99() / 1e3),
                    "≤ 1 ms", killed.killToEvent().p99() <= P99_TARGET_NANOS);
            floor.ifPresent(l -> out.printf("%-40s %12s  (the same kills from C, no JVM)%n",
                    "  C floor kill → status p99", String.format("%.1f µs", l.p99() / 1e3)));
            verdict(out, "exit observed → exit event p99", String.format("%.1f µs", killed.exitToEvent().p99() / 1e3),
                    "≤ 1 ms", killed.exitToEvent().p99() <= P99_TARGET_NANOS);
        }
    }

    /**
     * Starts {@code n} tasks from one thread, noting the rate of each tenth: every spawn copies the JVM's
     * descriptor table, which holds one pidfd per live task, so the cost may grow with the tasks already live.
     */
    private static Started startAll(Tasks tasks, String prefix, int n) {
        List<Task> started = new ArrayList<>(n);
        int tenth = Math.max(1, n / 10);
        List<Double> rates = new ArrayList<>();
        long begin = System.nanoTime();
        long sliceStart = begin;
        for (int i = 0; i < n; i++) {
            started.add(tasks.run(TaskSpec.of(prefix + i, SLEEP)));
            if ((i + 1) % tenth == 0) {
                long now = System.nanoTime();
                rates.add(tenth * 1e9 / (now - sliceStart));
                sliceStart = now;
            }
        }
        return new Started(started, (System.nanoTime() - begin) / 1e9, rates);
    }

    private record Started(List<Task> tasks, double seconds, List<Double> tenthRates) {
        String describeRates() {
            return tenthRates.stream().map(r -> String.format("%.0f", r)).collect(Collectors.joining(" "));
        }
    }

    private record Killed(List<Task> tasks, Latencies killToEvent, Latencies exitToEvent) {
    }

    private static Killed killAll(Tasks tasks, List<Task> victims, int batch) throws InterruptedException {
        long[] killedAt = new long[victims.size()];
        long[] killToEvent = new long[victims.size()];
        long[] exitToEvent = new long[victims.size()];
        try (ExitRecorder recorder = new ExitRecorder(tasks.events(), victims)) {
            for (int from = 0; from < victims.size(); from += batch) {
                int to = Math.min(victims.size(), from + batch);
                for (int i = from; i < to; i++) {
                    killedAt[i] = System.nanoTime();
                    victims.get(i).kill(Signal.SIGKILL, false);
                }
                recorder.await(to - from, BATCH_TIMEOUT);
            }
            for (int i = 0; i < victims.size(); i++) {
                killToEvent[i] = recorder.receivedNanos(i) - killedAt[i];
                exitToEvent[i] = recorder.exitToReceiptNanos(i);
            }
        }
        return new Killed(victims, Latencies.of("kill() call → /tasks/exit received", killToEvent),
                Latencies.of("exit observed → /tasks/exit received", exitToEvent));
    }

    /** The same kill pattern from C (killfloor.c): how much of the latency is the kernel's and the machine's. */
    private static Optional<Latencies> killFloor(int count, int batch, PrintStream out) throws InterruptedException {
        try (CProgram floor = CProgram.compile("killfloor")) {
            List<String> lines = floor.run(Integer.toString(count), Integer.toString(batch)).lines().toList();
            lines.stream().filter(l -> l.startsWith("#")).forEach(l -> out.println("C floor " + l.substring(2)));
            long[] nanos = lines.stream().filter(l -> !l.startsWith("#")).mapToLong(Long::parseLong).toArray();
            Latencies floorLatencies = Latencies.of("C floor: kill → status collected", nanos);
            floorLatencies.print(out);
            return Optional.of(floorLatencies);
        } catch (IOException e) {
            out.println("C kill floor skipped: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static void deleteAll(List<Task> tasks) {
        for (Task t : tasks) {
            t.delete();
        }
    }

    private static void verdict(PrintStream out, String what, String measured, String target, boolean met) {
        out.printf("%-40s %12s  target %-9s %s%n", what, measured, target, met ? "met" : "NOT met");
    }
}
