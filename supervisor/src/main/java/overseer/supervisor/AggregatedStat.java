package overseer.supervisor;

import java.util.List;

/**
 * One statistic of a job, aggregated statsd-style.
 *
 * @param key   the metric name ("cpu", "rss", or what the process reported at level 10)
 * @param tags  its tags, sorted by key
 * @param op    "A" (average of the samples) or "D" (a rate per second: the newest sample minus the oldest, over the
 *              seconds between them, as 0-core's statsd)
 * @param value the aggregate
 * @param count how many samples went into it
 * @param last  the newest sample
 */
public record AggregatedStat(String key, List<Tag> tags, String op, double value, long count, double last) {
    public static final String AVERAGE = "A";
    public static final String DIFFERENCE = "D";
}
