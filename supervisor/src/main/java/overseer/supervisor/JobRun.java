package overseer.supervisor;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a job stands, as its supervisor tells its {@link Ledger} and as a new supervisor takes it back
 * ({@link Adoption}).
 *
 * @param pid           the process of the run in progress; 0 between runs and for a built-in
 * @param startedAt     when that run started: its max_time counts from there
 * @param restarts      the restarts its restart policy has made (so its maximum holds across daemons)
 * @param resurrections the runs made after the first (restarts and recurring runs)
 * @param nextRunAt     when the next run is due, while one is armed (a restart's backoff, the recurring period)
 */
public record JobRun(long pid, Instant startedAt, int restarts, int resurrections, Optional<Instant> nextRunAt) {
    public JobRun {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(nextRunAt, "nextRunAt");
        for (var f : java.util.Map.of("pid", pid, "restarts", (long) restarts, "resurrections", (long) resurrections).entrySet()) {
            if (f.getValue() < 0) {
                throw overseer.core.OverseerException.invalidArgument("%s: must not be negative, got %d", f.getKey(), f.getValue());
            }
        }
    }
}
