package overseer.supervisor;

import java.util.Objects;

/**
 * A job an earlier supervisor left, to be taken back by {@link Supervisor#adopt}: where it stood, and the
 * start time of its process (clock ticks since boot, /proc/PID/stat field 22), so that the runtime never
 * takes a recycled pid for it.
 */
public record Adoption(JobRun run, long startTime) {
    public Adoption {
        Objects.requireNonNull(run, "run");
    }

    /** Whether a process of the job was running when the earlier supervisor stopped. */
    public boolean running() {
        return run.pid() > 0;
    }
}
