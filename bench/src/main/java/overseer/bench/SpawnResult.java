package overseer.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** One peer in one mode over every round; the figures reported are the medians of the rounds. */
record SpawnResult(String peer, int callers, List<Sample> rounds) {
    String mode() {
        return callers == 1 ? "sequential" : callers + " callers";
    }

    int spawns() {
        return rounds.getFirst().spawns();
    }

    double perSecond() {
        return Stats.median(rounds.stream().mapToDouble(Sample::perSecond).toArray());
    }

    double meanMicros() {
        return Stats.median(rounds.stream().mapToDouble(Sample::meanMicros).toArray());
    }

    String roundRates() {
        return Arrays.stream(rounds.stream().mapToDouble(Sample::perSecond).toArray())
                .mapToObj(r -> String.format(Locale.ROOT, "%.0f", r)).collect(Collectors.joining(" "));
    }
}
