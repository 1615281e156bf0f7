package overseer.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the JVM holds at one moment: Java threads (two ways of counting), all OS threads of the process
 * (GC and JIT threads included, which the Java counts leave out), heap after a full GC, and resident size.
 */
record Footprint(int stackTraceThreads, int mxBeanThreads, int osThreads, long heapUsed, long heapMax,
                 long rssBytes, Map<String, Long> threadNames) {
    static Footprint now() throws InterruptedException {
        // Two collections and a pause: what is left is what the live objects need, not garbage.
        System.gc();
        Thread.sleep(200);
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        var threads = Thread.getAllStackTraces().keySet();
        // Numbered pool threads are folded into one name with a count, so the list stays readable.
        Map<String, Long> names = threads.stream().map(t -> t.getName().replaceAll("-?\\d+$", "-N"))
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
        return new Footprint(threads.size(), ManagementFactory.getThreadMXBean().getThreadCount(),
                (int) procStatus("Threads:"), heap.getUsed(), heap.getMax(), procStatus("VmRSS:") * 1024, names);
    }

    /** A number from /proc/self/status (kB for sizes). */
    private static long procStatus(String field) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
            return lines.stream().filter(l -> l.startsWith(field)).findFirst()
                    .map(l -> Long.parseLong(l.substring(field.length()).strip().split("\\s+")[0])).orElse(-1L);
        } catch (IOException e) {
            return -1;
        }
    }

    int javaThreads() {
        return Math.max(stackTraceThreads, mxBeanThreads);
    }
}
