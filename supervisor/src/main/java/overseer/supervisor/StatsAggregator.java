package overseer.supervisor;

import overseer.core.OverseerException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * 0-core's statsd-style aggregation of a job's statistics. Samples are grouped by (op, key, tags, with the
 * tags sorted by key); each group keeps its count, sum, oldest and newest sample, and reports:
 * <ul>
 *   <li>{@code A}: the average of its samples (a gauge: cpu %, rss, a queue length);</li>
 *   <li>{@code D}: a counter's rate per second (bytes sent, requests served): the newest sample minus the oldest,
 *   divided by the seconds between them, as 0-core's statsd turned a differential into a rate
 *   (apps/core0/stats/stats.go, FeedOn: (value - last) / (now - lastTime)); 100 then 300 two seconds later is
 *   100. With one sample, or samples taken at the same instant, there is no rate yet: 0.</li>
 * </ul>
 * The window is the aggregator's whole life: a {@link #snapshot()} reflects every sample since the
 * aggregator was created, and nothing is ever dropped. 0-core flushed its aggregates every few seconds;
 * Overseer keeps one aggregator per job instead, so a job's statistics are simply "since the job started".
 * A caller that wants a sliding window makes a new aggregator per window.
 * <p>
 * Thread-safe: samples from the stats sampler and from the job's level 10 messages may arrive together.
 */
public final class StatsAggregator {
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Comparator<List<Tag>> TAGS = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).key().compareTo(b.get(i).key());
            if (c == 0) {
                c = a.get(i).value().compareTo(b.get(i).value());
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };
    private static final Comparator<AggregatedStat> ORDER = Comparator.comparing(AggregatedStat::key)
            .thenComparing(AggregatedStat::tags, TAGS)
            .thenComparing(AggregatedStat::op);

    private record Group(String op, String key, List<Tag> tags) {
    }

    /** One group's running figures; guarded by its own monitor. */
    private static final class Figures {
        private long count;
        private double sum;
        private double oldest;
        private double newest;
        private Instant oldestAt;
        private Instant newestAt;

        synchronized void add(double v, Instant at) {
            if (count == 0) {
                oldest = v;
                oldestAt = at;
            }
            count++;
            sum += v;
            newest = v;
            newestAt = at;
        }

        synchronized AggregatedStat stat(Group g) {
            return new AggregatedStat(g.key(), g.tags(), g.op(), g.op().equals(AggregatedStat.AVERAGE) ? sum / count : rate(),
                    count, newest);
        }

        private double rate() {
            double seconds = Duration.between(oldestAt, newestAt).toNanos() / 1e9;
            return seconds <= 0 ? 0 : (newest - oldest) / seconds;
        }
    }

    /**
     * A level 10 line, parsed.
     *
     * @param key   the metric name
     * @param value the sample
     * @param op    "A" or "D"
     * @param tags  the tags in the order given
     */
    public record Parsed(String key, double value, String op, List<Tag> tags) {
        public Parsed {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(op, "op");
            tags = List.copyOf(tags);
        }
    }

    private final Map<Group, Figures> groups = new ConcurrentHashMap<>();

    /**
     * Adds one sample. INVALID_ARGUMENT naming "op" for an op other than "A" or "D", naming "key" for an
     * empty key, naming "value" for NaN or an infinity, naming "tags" for a tag without a key.
     */
    public void add(String op, String key, double value, List<Tag> tags) {
        add(op, key, value, tags, Instant.now());
    }

    /** Adds one sample taken at {@code at} (samples come in time order); as {@link #add(String, String, double, List)}. */
    public void add(String op, String key, double value, List<Tag> tags, Instant at) {
        if (!AggregatedStat.AVERAGE.equals(op) && !AggregatedStat.DIFFERENCE.equals(op)) {
            throw OverseerException.invalidArgument("op: expected \"A\" (average) or \"D\" (differential, a rate per second), got \"%s\"", op);
        }
        if (key == null || key.isBlank()) {
            throw OverseerException.invalidArgument("key: must not be empty");
        }
        if (!Double.isFinite(value)) {
            throw OverseerException.invalidArgument("value: %s of %s is not a finite number", value, key);
        }
        List<Tag> sorted = new ArrayList<>(tags == null ? List.of() : tags);
        for (Tag t : sorted) {
            if (t == null || t.key() == null || t.key().isEmpty() || t.value() == null) {
                throw OverseerException.invalidArgument("tags: %s of %s needs a key and a value", t, key);
            }
        }
        sorted.sort(Comparator.comparing(Tag::key).thenComparing(Tag::value));
        groups.computeIfAbsent(new Group(op, key, List.copyOf(sorted)), g -> new Figures()).add(value, at);
    }

    public void add(Parsed p) {
        add(p.op(), p.key(), p.value(), p.tags());
    }

    /** Every group's aggregate, sorted by key, then tags, then op. */
    public List<AggregatedStat> snapshot() {
        List<AggregatedStat> out = new ArrayList<>(groups.size());
        groups.forEach((g, f) -> out.add(f.stat(g)));
        out.sort(ORDER);
        return out;
    }

    /**
     * Parses the body of a level 10 message, {@code key:value|op} or {@code key:value|op|k=v,k2=v2}: the
     * key is everything before the last ':' of the first part, op is "A" or "D". Surrounding blanks are
     * ignored. Anything else is malformed and gives empty: 0-core logs such a line and carries on, and so
     * does the supervisor.
     */
    public static Optional<Parsed> parseStatsd(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] parts = text.strip().split("\\|", -1);
        if (parts.length < 2 || parts.length > 3) {
            return Optional.empty();
        }
        int colon = parts[0].lastIndexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String key = parts[0].substring(0, colon).strip();
        String number = parts[0].substring(colon + 1).strip();
        String op = parts[1].strip();
        if (key.isEmpty() || !(op.equals(AggregatedStat.AVERAGE) || op.equals(AggregatedStat.DIFFERENCE))) {
            return Optional.empty();
        }
        if (!NUMBER.matcher(number).matches()) {
            return Optional.empty(); // Double.parseDouble would also take "NaN", "1d", "0x1p3"; statsd does not
        }
        double value = Double.parseDouble(number);
        if (!Double.isFinite(value)) {
            return Optional.empty();
        }
        List<Tag> tags = new ArrayList<>();
        if (parts.length == 3 && !parts[2].isBlank()) {
            for (String kv : parts[2].split(",", -1)) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    return Optional.empty();
                }
                String k = kv.substring(0, eq).strip();
                if (k.isEmpty()) {
                    return Optional.empty();
                }
                tags.add(new Tag(k, kv.substring(eq + 1).strip()));
            }
        }
        return Optional.of(new Parsed(key, value, op, tags));
    }
}
