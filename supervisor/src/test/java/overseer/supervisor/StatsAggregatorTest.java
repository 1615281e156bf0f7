package overseer.supervisor;

import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class StatsAggregatorTest {
    private final StatsAggregator agg = new StatsAggregator();

    @Test
    void averageIsTheMeanOfTheSamples() {
        agg.add("A", "cpu", 10, List.of());
        agg.add("A", "cpu", 20, List.of());
        agg.add("A", "cpu", 60, List.of());
        assertThat(agg.snapshot()).containsExactly(new AggregatedStat("cpu", List.of(), "A", 30, 3, 60));
    }

    /** 0-core apps/core0/stats/stats.go (State.FeedOn): a "D" sample becomes (value - last) / (now - lastTime) s. */
    @Test
    void differentialIsAPerSecondRateAsZeroCoreStatsdDid() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        agg.add("D", "bytes.sent", 100, List.of(), t0);
        agg.add("D", "bytes.sent", 300, List.of(), t0.plusSeconds(2));
        AggregatedStat s = agg.snapshot().getFirst();
        assertThat(s.op()).isEqualTo("D");
        assertThat(s.value()).isEqualTo(100); // (300 - 100) / 2 s
        assertThat(s.count()).isEqualTo(2);
        assertThat(s.last()).isEqualTo(300);
        agg.add("D", "bytes.sent", 1300, List.of(), t0.plusSeconds(4));
        assertThat(agg.snapshot().getFirst().value()).isEqualTo(300); // (1300 - 100) / 4 s: the rate since the first sample
    }

    @Test
    void averageStaysTheMeanWhateverTheTimes() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        agg.add("A", "cpu", 100, List.of(), t0);
        agg.add("A", "cpu", 300, List.of(), t0.plusSeconds(2));
        assertThat(agg.snapshot().getFirst().value()).isEqualTo(200);
    }

    @Test
    void samplesAtTheSameInstantHaveNoRateYet() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        agg.add("D", "requests", 7, List.of(), t0);
        agg.add("D", "requests", 9, List.of(), t0);
        assertThat(agg.snapshot().getFirst().value()).isZero();
    }

    @Test
    void oneSampleOfACounterHasGrownByNothing() {
        agg.add("D", "requests", 7, List.of());
        assertThat(agg.snapshot().getFirst().value()).isZero();
    }

    @Test
    void groupsByOpKeyAndTagsWhateverTheTagOrder() {
        agg.add("A", "rss", 1, List.of(new Tag("b", "2"), new Tag("a", "1")));
        agg.add("A", "rss", 3, List.of(new Tag("a", "1"), new Tag("b", "2")));
        agg.add("A", "rss", 100, List.of(new Tag("a", "other")));
        agg.add("D", "rss", 5, List.of(new Tag("a", "1"), new Tag("b", "2")));
        List<AggregatedStat> snap = agg.snapshot();
        assertThat(snap).hasSize(3);
        AggregatedStat both = snap.stream().filter(s -> s.op().equals("A") && s.tags().size() == 2).findFirst().orElseThrow();
        assertThat(both.tags()).containsExactly(new Tag("a", "1"), new Tag("b", "2"));
        assertThat(both.value()).isEqualTo(2);
        assertThat(both.count()).isEqualTo(2);
    }

    @Test
    void snapshotIsSortedByKeyThenTags() {
        agg.add("A", "zeta", 1, List.of());
        agg.add("A", "alpha", 1, List.of(new Tag("disk", "sdb")));
        agg.add("A", "alpha", 1, List.of(new Tag("disk", "sda")));
        agg.add("A", "alpha", 1, List.of());
        assertThat(agg.snapshot()).extracting(s -> s.key() + s.tags())
                .containsExactly("alpha[]", "alpha[Tag[key=disk, value=sda]]", "alpha[Tag[key=disk, value=sdb]]", "zeta[]");
    }

    @Test
    void anOpOtherThanAOrDIsRejectedNamingOp() {
        assertThatThrownBy(() -> agg.add("S", "cpu", 1, List.of()))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageStartingWith("op:").hasMessageContaining("\"S\"");
        assertThatThrownBy(() -> agg.add("A", " ", 1, List.of())).hasMessageStartingWith("key:");
        assertThatThrownBy(() -> agg.add("A", "cpu", Double.NaN, List.of())).hasMessageStartingWith("value:");
        assertThatThrownBy(() -> agg.add("A", "cpu", 1, List.of(new Tag("", "x")))).hasMessageStartingWith("tags:");
        assertThat(agg.snapshot()).isEmpty();
    }

    @Test
    void concurrentSamplesAreAllCounted() throws Exception {
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> IntStream.range(0, 10_000).forEach(i -> {
                    agg.add("A", "load", 2, List.of(new Tag("host", "h")));
                    agg.add("D", "load", i, List.of());
                })));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        List<AggregatedStat> snap = agg.snapshot();
        assertThat(snap).extracting(AggregatedStat::count).containsOnly(80_000L);
        assertThat(snap.stream().filter(s -> s.op().equals("A")).findFirst().orElseThrow().value()).isEqualTo(2);
    }

    @Test
    void parsesStatsdLines() {
        assertThat(StatsAggregator.parseStatsd("db.queries:12|D"))
                .contains(new StatsAggregator.Parsed("db.queries", 12, "D", List.of()));
        assertThat(StatsAggregator.parseStatsd("  load:0.75|A|host=a, disk=sda ").orElseThrow())
                .isEqualTo(new StatsAggregator.Parsed("load", 0.75, "A", List.of(new Tag("host", "a"), new Tag("disk", "sda"))));
        assertThat(StatsAggregator.parseStatsd("temp:-1.5e2|A|").orElseThrow().value()).isCloseTo(-150, within(1e-9));
        assertThat(StatsAggregator.parseStatsd("disk:/dev/sda:3|A").orElseThrow().key()).isEqualTo("disk:/dev/sda");
        assertThat(StatsAggregator.parseStatsd("x:1|A|empty=").orElseThrow().tags()).containsExactly(new Tag("empty", ""));
    }

    @Test
    void malformedStatsdLinesAreEmpty() {
        for (String bad : List.of("", "cpu", "cpu:1", "cpu:1|", "cpu:1|X", "cpu:|A", ":1|A", "cpu:abc|A", "cpu:NaN|A",
                "cpu:Infinity|A", "cpu:1d|A", "cpu:0x10|A", "cpu:1|A|novalue", "cpu:1|A|=v", "cpu:1|A|a=1,", "cpu:1|A|t=1|x",
                "cpu 1|A")) {
            assertThat(StatsAggregator.parseStatsd(bad)).as(bad).isEmpty();
        }
        assertThat(StatsAggregator.parseStatsd(null)).isEmpty();
    }

    @Test
    void aParsedLineCanBeAdded() {
        agg.add(StatsAggregator.parseStatsd("q:4|A|k=v").orElseThrow());
        agg.add(StatsAggregator.parseStatsd("q:6|A|k=v").orElseThrow());
        assertThat(agg.snapshot()).containsExactly(new AggregatedStat("q", List.of(new Tag("k", "v")), "A", 5, 2, 6));
    }
}
