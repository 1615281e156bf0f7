package overseer.server;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram in seconds, by a fixed set of label names: cumulative {@code _bucket{le=...}}
 * series, {@code _sum} and {@code _count}. Observing takes no lock (adders); the label values must come from
 * a bounded set (route templates, status codes, operation names), never from raw input.
 */
final class Histogram {
    private final String name;
    private final String help;
    private final List<String> labels;
    private final double[] bounds;
    private final ConcurrentMap<List<String>, Cells> series = new ConcurrentHashMap<>();

    /** One label set's counts: one per bound (not cumulative; summed when written) and the +Inf one. */
    private static final class Cells {
        final LongAdder[] counts;
        final DoubleAdder sum = new DoubleAdder();

        Cells(int n) {
            counts = new LongAdder[n + 1];
            Arrays.setAll(counts, i -> new LongAdder());
        }
    }

    Histogram(String name, String help, List<String> labels, double... bounds) {
        this.name = name;
        this.help = help;
        this.labels = List.copyOf(labels);
        this.bounds = bounds.clone();
        Arrays.sort(this.bounds);
    }

    void observe(double seconds, String... values) {
        if (values.length != labels.size()) {
            throw new IllegalArgumentException(name + ": expected " + labels.size() + " label values, got " + values.length);
        }
        Cells c = series.computeIfAbsent(List.of(values), v -> new Cells(bounds.length));
        int i = 0;
        while (i < bounds.length && seconds > bounds[i]) {
            i++;
        }
        c.counts[i].increment();
        c.sum.add(seconds);
    }

    /** How many observations of these label values (tests and `stats`-like readers). */
    long count(String... values) {
        Cells c = series.get(List.of(values));
        return c == null ? 0 : Arrays.stream(c.counts).mapToLong(LongAdder::sum).sum();
    }

    /** The exposition: HELP, TYPE, then each label set's buckets, sum and count, in label order. */
    void write(StringBuilder b) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" histogram\n");
        Map<String, Cells> sorted = new TreeMap<>();
        series.forEach((values, cells) -> sorted.put(labelText(values), cells));
        sorted.forEach((l, c) -> {
            long cumulative = 0;
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += c.counts[i].sum();
                String le = i == bounds.length ? "+Inf" : Double.toString(bounds[i]);
                b.append(name).append("_bucket{").append(l).append(l.isEmpty() ? "" : ",").append("le=\"").append(le)
                        .append("\"} ").append(cumulative).append('\n');
            }
            b.append(name).append("_sum{").append(l).append("} ").append(c.sum.sum()).append('\n');
            b.append(name).append("_count{").append(l).append("} ").append(cumulative).append('\n');
        });
    }

    private String labelText(List<String> values) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            l.append(i == 0 ? "" : ",").append(labels.get(i)).append("=\"").append(Metrics.escape(values.get(i))).append('"');
        }
        return l.toString();
    }
}
