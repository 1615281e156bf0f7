package overseer.supervisor;

import java.util.List;

/**
 * What a supervisor writes down so that a daemon can take its jobs and slices back after a restart. Each
 * call is made synchronously, before the supervisor goes on (write, then act): a run once its process is
 * spawned, the next run once it is armed, a slice before its first job starts and after its last one
 * stopped. A ledger that throws is logged; the supervisor goes on.
 */
public interface Ledger {
    Ledger NONE = new Ledger() {
    };

    /** {@code job} started a run ({@code run.pid()} set), or armed its next one ({@code run.nextRunAt()} set). */
    default void run(Job job, JobRun run) {
    }

    /** A slice is started from {@code yaml}; its jobs will be {@code jobIds}. */
    default void sliceStarted(String name, String yaml, List<String> jobIds) {
    }

    /** A slice was stopped and deleted. */
    default void sliceDeleted(String name) {
    }
}
