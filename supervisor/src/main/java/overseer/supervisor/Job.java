package overseer.supervisor;

import overseer.core.Signal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A job being run by the supervisor, across its restarts and recurrences (0-core's Job).
 */
public interface Job {
    /** 0-core's face of the job: its id, kind, queue, max_time and the rest ({@link JobSpec#command()}). */
    Command command();

    JobOptions options();

    /** When the job was submitted. */
    Instant startTime();

    /** The pid of the process now running, or 0 (between runs, for a built-in, before launch). */
    long pid();

    /** Whether the job waits for its first attach (run-block) and has not been attached yet. */
    boolean blocked();

    /** Launches a run-blocked job; for any other job it does nothing (vic's attach). */
    void attach();

    /**
     * The task of the current run while it has one (between its start and its end): its stdin, its terminal.
     * Empty between runs and for a built-in.
     */
    Optional<overseer.core.Task> task();

    /** Sends {@code signal} to the process group of the current run. FAILED_PRECONDITION between runs. */
    void signal(Signal signal);

    /** Stops the job for good: the stop signal, SIGKILL after the grace; its state is KILLED. */
    void kill();

    /** Stops the job for good with this stop signal and grace instead of the job's own. */
    void kill(Signal stopSignal, Duration grace);

    /** Messages of the job's output from now on, filtered by the command's log_levels. Close to stop. */
    AutoCloseable subscribe(Consumer<Message> subscriber);

    Diagnostics diagnostics();

    /** The statistics of the job: process samples every stats_interval, and level 10 messages. */
    List<AggregatedStat> stats();

    /** The result of the last run that ended, while the job goes on (recurring, restarting). */
    Optional<JobResult> lastResult();

    CompletableFuture<JobResult> onResult();

    default JobResult await() throws InterruptedException {
        try {
            return onResult().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    default Optional<JobResult> await(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(onResult().get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
