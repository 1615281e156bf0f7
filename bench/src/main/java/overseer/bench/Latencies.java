package overseer.bench;

import java.io.PrintStream;
import java.util.Arrays;

/** A set of latencies in nanoseconds, summarised as p50 / p99 / max. */
record Latencies(String what, long[] sortedNanos) {
    static Latencies of(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Latencies(what, sorted);
    }

    long p50() {
        return Stats.percentile(sortedNanos, 50);
    }

    long p99() {
        return Stats.percentile(sortedNanos, 99);
    }

    long max() {
        return sortedNanos[sortedNanos.length - 1];
    }

    void print(PrintStream out) {
        out.printf("%-38s p50 %8.1f µs   p99 %8.1f µs   max %9.1f µs   (n=%d)%n",
                what, p50() / 1e3, p99() / 1e3, max() / 1e3, sortedNanos.length);
    }
}
