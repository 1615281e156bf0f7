package overseer.supervisor;

import overseer.core.Exit;
import overseer.core.Task;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run of a job: what it has going (its task, or its built-in's thread), its timers, how it is being
 * ended, and its messages ({@link MessageRouter}).
 */
final class Run {
    final Instant start;
    final MessageRouter messages;
    private final ScheduledExecutorService scheduler;
    private final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
    volatile Task task;
    volatile Thread builtIn;
    /** Its time ran out (max_time, the options' timeout): it ends TIMEOUT. */
    volatile boolean timedOut;
    /** The job was killed: it ends KILLED. */
    volatile boolean stopping;

    Run(Instant start, MessageRouter messages, ScheduledExecutorService scheduler) {
        this.start = start;
        this.messages = messages;
        this.scheduler = scheduler;
    }

    void schedule(Runnable action, Duration after) {
        timers.add(scheduler.schedule(action, after.toNanos(), TimeUnit.NANOSECONDS));
    }

    void every(Runnable action, int seconds) {
        timers.add(scheduler.scheduleAtFixedRate(action, seconds, seconds, TimeUnit.SECONDS));
    }

    /** At the run's end: no timer of it fires afterwards. */
    void cancelTimers() {
        timers.forEach(f -> f.cancel(false));
    }

    JobResult result(JobState state, int code) {
        return messages.result(start, state, code);
    }

    /**
     * How a run ended. {@code retryable} is false when it could not even start (a restart would fail the
     * same way).
     */
    record Outcome(JobResult result, Optional<Exit> exit, boolean retryable) {
        static Outcome notStarted(JobResult r) {
            return new Outcome(r, Optional.empty(), false);
        }

        static Outcome ended(JobResult r) {
            return new Outcome(r, Optional.empty(), true);
        }
    }
}
