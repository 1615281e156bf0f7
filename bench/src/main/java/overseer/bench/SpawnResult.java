package overseer.bench;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** One peer in one mode over every round; the figures reported are the medians of the rounds and the best. */
record SpawnResult(String peer, int callers, List<Round> rounds) {
    /** One round's sample and the share of the CPUs that other work on the machine used meanwhile. */
    record Round(Sample sample, double foreignCpuPercent) {
    }

    String mode() {
        return callers == 1 ? "sequential" : callers + " callers";
    }

    int spawns() {
        return rounds.getFirst().sample().spawns();
    }

    double perSecond() {
        return Stats.median(rounds.stream().mapToDouble(r -> r.sample().perSecond()).toArray());
    }

    double meanMicros() {
        return Stats.median(rounds.stream().mapToDouble(r -> r.sample().meanMicros()).toArray());
    }

    /** The least disturbed round: on a shared machine, noise only ever slows a run down. */
    double bestPerSecond() {
        return rounds.stream().mapToDouble(r -> r.sample().perSecond()).max().orElseThrow();
    }

    double bestMeanMicros() {
        return rounds.stream().mapToDouble(r -> r.sample().meanMicros()).min().orElseThrow();
    }

    double foreignCpuPercent() {
        return Stats.median(rounds.stream().mapToDouble(Round::foreignCpuPercent).toArray());
    }

    String roundRates() {
        return rounds.stream().map(r -> String.format(Locale.ROOT, "%.0f", r.sample().perSecond()))
                .collect(Collectors.joining(" "));
    }
}
