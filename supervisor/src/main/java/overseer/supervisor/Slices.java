package overseer.supervisor;

import overseer.core.internal.Identifiers;
import overseer.core.OverseerException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The slices a supervisor runs, by name (0-core's RunSlice behind /v1/slices): a slice's jobs are named
 * "&lt;name&gt;-&lt;service&gt;". A start is written to the supervisor's {@link Ledger} before its first job
 * starts, a delete after its last job stopped, so that a daemon restarted in between takes the slice back.
 */
public final class Slices {
    private final Supervisor supervisor;
    private final Map<String, SliceRun> runs = new LinkedHashMap<>();

    Slices(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    private SliceRunner runner(String name) {
        return new SliceRunner(supervisor, Identifiers.require("name", name) + "-");
    }

    /** Starts the slice of {@code yaml} (docs/slices.md) as {@code name}; ALREADY_EXISTS if one of that name runs. */
    public synchronized SliceRun start(String name, String yaml) {
        Slice slice = SliceFile.parse(yaml);
        if (runs.containsKey(name)) {
            throw OverseerException.alreadyExists("slice already exists: %s", name);
        }
        SliceRunner runner = runner(name);
        supervisor.currentLedger().sliceStarted(name, yaml, runner.jobIds(slice));
        SliceRun run;
        try {
            run = runner.start(slice);
        } catch (RuntimeException e) {
            supervisor.currentLedger().sliceDeleted(name);
            throw e;
        }
        runs.put(name, run);
        return run;
    }

    /**
     * Starts a slice an earlier daemon ran, taking back the jobs in {@code left} whose processes still run
     * ({@link SliceRunner#resume}). Nothing is written: the ledger has it already.
     */
    public synchronized SliceRun resume(String name, String yaml, Map<String, Adoption> left) {
        if (runs.containsKey(name)) {
            throw OverseerException.alreadyExists("slice already exists: %s", name);
        }
        SliceRun run = runner(name).resume(SliceFile.parse(yaml), left);
        runs.put(name, run);
        return run;
    }

    public synchronized Optional<SliceRun> get(String name) {
        return Optional.ofNullable(runs.get(name));
    }

    /** The slice; NOT_FOUND "slice does not exist" if none of that name runs. */
    public SliceRun slice(String name) {
        return get(name).orElseThrow(() -> OverseerException.notFound("slice does not exist: %s", name));
    }

    /** Every slice, by name, in the order they were started. */
    public synchronized List<String> names() {
        return List.copyOf(runs.keySet());
    }

    /** Stops the slice in reverse dependency order ({@link SliceRun#stop}), then forgets it; returns its run. */
    public SliceRun delete(String name, Duration grace) throws InterruptedException {
        SliceRun run = slice(name);
        run.stop(grace);
        supervisor.currentLedger().sliceDeleted(name);
        synchronized (this) {
            runs.remove(name, run);
        }
        return run;
    }
}
