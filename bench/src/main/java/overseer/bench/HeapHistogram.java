package overseer.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The live objects of this JVM by class, from {@code jcmd PID GC.class_histogram} (which runs a full GC first,
 * so the total is what live objects take, without garbage or region slack). Two of them subtracted show where
 * the heap of what was made in between went.
 *
 * @param bytes total live bytes
 * @param byClass live bytes per class name
 * @param countByClass live instances per class name
 */
record HeapHistogram(long bytes, Map<String, Long> byClass, Map<String, Long> countByClass) {
    private static final String FILLER = "[Ljdk.internal.vm.FillerElement";

    static HeapHistogram now(Path scratch) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        String out = Cmd.run(scratch, jcmd.toString(), Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                .orThrow().out();
        Map<String, Long> bytes = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        long total = 0;
        for (String line : out.lines().toList()) {
            String[] f = line.strip().split("\\s+");
            // "   1:    12345    678901  java.lang.String (java.base@25)"; the last line is "Total  N  B".
            if (f.length >= 4 && f[0].endsWith(":") && f[3].startsWith(FILLER)) {
                total -= Long.parseLong(f[2]); // not objects: the space G1 fills around them, counted in the total
            } else if (f.length >= 4 && f[0].endsWith(":")) {
                bytes.merge(f[3], Long.parseLong(f[2]), Long::sum);
                counts.merge(f[3], Long.parseLong(f[1]), Long::sum);
            } else if (f.length == 3 && f[0].equals("Total")) {
                total += Long.parseLong(f[2]);
            }
        }
        return new HeapHistogram(total, bytes, counts);
    }

    /** A class's growth from {@code before} to this one. */
    record Growth(String className, long bytes, long instances) {
    }

    /** The {@code n} classes that grew most in bytes since {@code before}. */
    List<Growth> topGrowth(HeapHistogram before, int n) {
        List<Growth> g = new ArrayList<>();
        for (var e : byClass.entrySet()) {
            long d = e.getValue() - before.byClass.getOrDefault(e.getKey(), 0L);
            long c = countByClass.get(e.getKey()) - before.countByClass.getOrDefault(e.getKey(), 0L);
            g.add(new Growth(e.getKey(), d, c));
        }
        g.sort(Comparator.comparingLong(Growth::bytes).reversed());
        return g.subList(0, Math.min(n, g.size()));
    }
}
