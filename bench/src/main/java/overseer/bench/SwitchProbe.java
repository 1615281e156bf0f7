package overseer.bench;

import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a spawn + await + delete of /bin/true makes threads sleep and wake: context switches per task for
 * every thread of this JVM (/proc/self/task/N/status), and bytes allocated per task by the caller and by
 * the event loop. Usage: {@code SwitchProbe [N]} (default 2000, after 500 uncounted).
 */
public final class SwitchProbe {
    private static final ProcessSpec TRUE = ProcessSpec.of("/bin/true");
    private static final String LOOP_THREAD = "overseer-epoll";

    private SwitchProbe() {
    }

    /** Voluntary (it blocked) and involuntary (it was preempted) context switches of one thread name. */
    private record Switches(long voluntary, long involuntary) {
        Switches plus(Switches o) {
            return new Switches(voluntary + o.voluntary, involuntary + o.involuntary);
        }
    }

    public static void main(String[] args) throws Exception {
        int n = Args.parse(args).count(2000);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Tasks tasks = new Tasks(new NativeRuntime())) {
            cycle(tasks, "w", 500);
            long loopId = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals(LOOP_THREAD)).findFirst().orElseThrow().threadId();
            long self = Thread.currentThread().threadId();
            long callerBytes = threads.getThreadAllocatedBytes(self);
            long loopBytes = threads.getThreadAllocatedBytes(loopId);
            Map<String, Switches> before = switches();
            cycle(tasks, "t", n);
            Map<String, Switches> after = switches();
            callerBytes = threads.getThreadAllocatedBytes(self) - callerBytes;
            loopBytes = threads.getThreadAllocatedBytes(loopId) - loopBytes;

            System.out.printf("per spawn + await + delete of /bin/true, over %d tasks:%n", n);
            after.forEach((name, a) -> {
                Switches b = before.getOrDefault(name, new Switches(0, 0));
                double voluntary = (a.voluntary - b.voluntary) / (double) n;
                double involuntary = (a.involuntary - b.involuntary) / (double) n;
                if (voluntary + involuntary >= 0.01) {
                    System.out.printf("  %-18s %5.2f voluntary, %5.2f involuntary context switches%n",
                            name, voluntary, involuntary);
                }
            });
            System.out.printf("  allocated: caller %d B, %s %d B%n", callerBytes / n, LOOP_THREAD, loopBytes / n);
        }
    }

    private static void cycle(Tasks tasks, String prefix, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            Task t = tasks.run(TaskSpec.of(prefix + i, TRUE));
            t.await();
            t.delete();
        }
    }

    /** Summed by thread name (the kernel's 15-character comm), so pools of threads add up. */
    private static Map<String, Switches> switches() throws IOException {
        Map<String, Switches> byName = new TreeMap<>();
        try (DirectoryStream<Path> tids = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path tid : tids) {
                try {
                    String name = Files.readString(tid.resolve("comm")).strip();
                    long voluntary = 0;
                    long involuntary = 0;
                    for (String line : Files.readAllLines(tid.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            voluntary = Long.parseLong(line.split("\\s+")[1]);
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            involuntary = Long.parseLong(line.split("\\s+")[1]);
                        }
                    }
                    byName.merge(name, new Switches(voluntary, involuntary), Switches::plus);
                } catch (IOException threadEnded) {
                    // a thread that ended between listing and reading has nothing left to count
                }
            }
        }
        return byName;
    }
}
