package overseer.supervisor;

import overseer.core.Exit;
import overseer.core.Signal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A job's life, on its own virtual thread: it waits for its attach (run-block) and its queue, then runs,
 * again and again as the restart policy and recurring_period say, until it ends for good or is killed.
 * Each run's end is written to the exit log with what comes next.
 */
final class RunLoop {
    /**
     * For tests: what runs, on the job's thread, between the loop's check for a kill and the run's start
     * (by job id), to put a kill in that gap.
     */
    static final Map<String, Runnable> BEFORE_RUN = new ConcurrentHashMap<>();
    private final SupervisedJob job;
    private final Command cmd;
    private final RestartPolicy policy;
    private final Diagnostics diagnostics;

    RunLoop(SupervisedJob job) {
        this.job = job;
        this.cmd = job.command();
        this.policy = job.options().restartFor(cmd);
        this.diagnostics = job.diagnostics();
    }

    /** The job's final result; empty when the job was detached (it has not ended). */
    JobResult run() {
        JobResult fin;
        try {
            job.awaitTurn();
            fin = loop();
        } catch (InterruptedException e) {
            fin = killedBeforeRun();
        } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
            fin = JobResult.notRun(cmd, JobState.ERROR, "overseer: " + e.getMessage(), 500);
        } finally {
            job.leaveQueue();
        }
        return fin;
    }

    private JobResult loop() throws InterruptedException {
        Optional<Adoption> left = job.left();
        Optional<Adoption> adopting = left.filter(Adoption::running);
        if (left.isPresent()) {
            resumeCounts(left.get());
        }
        while (true) {
            if (job.killRequested()) {
                return killedBeforeRun();
            }
            Optional.ofNullable(BEFORE_RUN.get(cmd.id())).ifPresent(Runnable::run);
            Instant began = adopting.map(a -> a.run().startedAt()).orElseGet(Instant::now);
            Run.Outcome o = runOnce(adopting);
            adopting = Optional.empty();
            job.last(o.result());
            if (Duration.between(began, Instant.now()).compareTo(policy.minUptime()) >= 0) {
                job.restarts(0); // a stable run: the backoff and the count start over
            }
            Duration delay = null;
            String next;
            if (o.result().state() == JobState.KILLED || job.killRequested()) {
                next = "killed";
            } else if (o.retryable() && policy.restarts(o.result().state(), job.restarts())) {
                int restarts = job.restarts() + 1;
                job.restarts(restarts);
                delay = policy.backoff().delay(restarts);
                next = "restart " + restarts + (policy.maxRestarts() == RestartPolicy.UNLIMITED ? "" : " of " + policy.maxRestarts())
                        + " in " + delay.toMillis() + " ms";
            } else if (cmd.recurringPeriod() > 0) {
                delay = Duration.ofSeconds(cmd.recurringPeriod());
                next = "next run in " + cmd.recurringPeriod() + " s";
            } else {
                next = policy.mode() != RestartPolicy.Mode.NEVER && o.result().state() != JobState.SUCCESS
                        && o.retryable() ? "not restarted: " + policy.maxRestarts() + " restarts made" : "ended";
            }
            diagnostics.exited(new Diagnostics.ExitLogEntry(Instant.now(), o.result().state(),
                    o.exit().map(Exit::exitCode).orElse(-1), o.exit().flatMap(Exit::signal).map(Signal::name),
                    o.exit().map(Exit::oomKilled).orElse(false), next));
            if (delay == null) {
                return o.result();
            }
            job.ran(new JobRun(0, began, job.restarts(), diagnostics.resurrectionCount(),
                    Optional.of(Instant.now().plus(delay))));
            if (job.awaitKill(delay)) {
                return o.result().withState(JobState.KILLED);
            }
            diagnostics.resurrected();
        }
    }

    /**
     * A job taken back goes on counting where the earlier supervisor stopped; its next run, if one was armed
     * when that supervisor stopped, comes when it was due.
     */
    private void resumeCounts(Adoption left) throws InterruptedException {
        JobRun was = left.run();
        job.restarts(was.restarts());
        diagnostics.resurrected(was.resurrections());
        Optional<Instant> due = was.nextRunAt().filter(at -> !left.running());
        if (due.isPresent()) {
            Duration wait = Duration.between(Instant.now(), due.get());
            if (wait.isNegative() || !job.awaitKill(wait)) {
                diagnostics.resurrected();
            } // killed meanwhile: the loop ends it
        }
    }

    private JobResult killedBeforeRun() {
        return job.lastResult().orElseGet(() -> JobResult.notRun(cmd, JobState.KILLED, "killed before it ran", 0))
                .withState(JobState.KILLED);
    }

    private Run.Outcome runOnce(Optional<Adoption> adopting) throws InterruptedException {
        Run r = new Run(adopting.map(a -> a.run().startedAt()).orElseGet(Instant::now), job.router(),
                job.supervisor().scheduler());
        job.current(r);
        try {
            return switch (job.process()) {
                case JobProcess.System s -> new SystemRun(job, r, s).run(adopting);
                case JobProcess.BuiltIn b -> new BuiltInRun(job, r, b).run();
            };
        } finally {
            r.cancelTimers();
            job.current(null);
        }
    }
}
