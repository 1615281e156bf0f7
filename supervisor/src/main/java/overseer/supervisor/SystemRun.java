package overseer.supervisor;

import overseer.core.ErrorKind;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessStats;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.spi.TaskRuntime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A run of a host process: its task created and started (or, for a job taken back, reattached), its hooks
 * and timers armed, its output parsed into messages, its exit awaited, its task deleted.
 */
final class SystemRun {
    /** How long a new run waits for the task of an ended run of the same id to finish stopping. */
    private static final Duration PREVIOUS_RUN_BOUND = Duration.ofSeconds(30);
    private static final Duration DRAIN_BOUND = Duration.ofSeconds(2);

    private final SupervisedJob job;
    private final Supervisor supervisor;
    private final Command cmd;
    private final JobOptions options;
    private final Run r;
    private final JobProcess.System process;

    SystemRun(SupervisedJob job, Run r, JobProcess.System process) {
        this.job = job;
        this.supervisor = job.supervisor();
        this.cmd = job.command();
        this.options = job.options();
        this.r = r;
        this.process = process;
    }

    Run.Outcome run(Optional<Adoption> adopting) throws InterruptedException {
        LevelParser out = new LevelParser(Message.STDOUT, r.messages::message, r.messages::plain);
        LevelParser err = new LevelParser(Message.STDERR, r.messages::message, r.messages::plain);
        Task task;
        if (adopting.isPresent()) {
            long was = adopting.get().run().pid();
            try {
                // the same process, found by pid and start time; if it ended meanwhile, its exit is the run's end
                task = supervisor.tasks().reattach(supervisor.namespace(), process.forJob(cmd.id()), was,
                        adopting.get().startTime(), Optional.empty());
            } catch (OverseerException e) {
                return Run.Outcome.notStarted(JobResult.notStarted(cmd, new OverseerException(e.kind(),
                        "could not take back pid " + was + ": " + e.getMessage(), e), 500));
            }
            addSinks(task, out, err);
        } else {
            try {
                task = create();
            } catch (OverseerException e) {
                return Run.Outcome.notStarted(JobResult.notStarted(cmd, e, spawnCode(e)));
            }
            addSinks(task, out, err);
            if (supervisor.detached()) {
                task.delete();
                throw new InterruptedException("detached"); // no new process once the supervisor let go
            }
            try {
                task.start();
            } catch (OverseerException e) {
                task.delete();
                return Run.Outcome.notStarted(JobResult.notStarted(cmd, e, spawnCode(e)));
            }
        }
        r.task = task;
        long pid = task.pid();
        job.ran(new JobRun(pid, r.start, job.restarts(), job.diagnostics().resurrectionCount(), Optional.empty()));
        if (job.killRequested()) {
            job.stop(r);
        }
        arm(task, pid);
        if (adopting.isEmpty()) {
            process.stdin().ifPresent(text -> writeStdin(task, text)); // a process taken back had its stdin long ago
        }
        Exit exit = task.await();
        try {
            task.output().drained().get(DRAIN_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // children that outlived the process still hold its output; the result goes without it
        }
        out.finish();
        err.finish();
        task.delete();
        JobState state = r.stopping ? JobState.KILLED
                : r.timedOut ? JobState.TIMEOUT
                : exit.success() ? JobState.SUCCESS : JobState.ERROR;
        return new Run.Outcome(r.result(state, JobResult.code(exit)), Optional.of(exit), true);
    }

    /**
     * The run's task, created. A previous run's task may still be there: stopped, or (a job killed a moment
     * ago) still being stopped. The same id is never live twice (DUPILICATE_ID), so it is an ended job's: its
     * end is awaited, then it goes.
     */
    private Task create() throws InterruptedException {
        Optional<Task> previous = supervisor.tasks().list(supervisor.namespace()).stream()
                .filter(t -> t.id().equals(cmd.id())).findFirst();
        if (previous.isPresent()) {
            if (previous.get().status() != Status.CREATED) {
                previous.get().await(PREVIOUS_RUN_BOUND);
            }
            previous.get().delete();
        }
        return supervisor.tasks().create(supervisor.namespace(), process.forJob(cmd.id()));
    }

    /** The pid and delay hooks, the time limit and the statistics samples of the started process. */
    private void arm(Task task, long pid) {
        for (JobHook h : options.hooks()) {
            switch (h) {
                case JobHook.Pid p -> job.hook(() -> p.action().accept(pid));
                case JobHook.Delay d -> r.schedule(() -> {
                    if (task.status() == Status.RUNNING) {
                        job.hook(d.action());
                    }
                }, d.delay());
                default -> {
                }
            }
        }
        if (options.timeout().isPresent()) {
            Duration left = options.timeout().get().minus(Duration.between(r.start, Instant.now()));
            r.schedule(() -> {
                r.timedOut = true;
                SupervisedJob.shutdownInBackground(task, options.stopSignal(), options.stopGrace(), "timeout-" + cmd.id());
            }, left.isNegative() ? Duration.ZERO : left);
        } else if (cmd.maxTime() > 0) {
            // from the run's start, which for a job taken back was under an earlier supervisor
            Duration left = Duration.ofSeconds(cmd.maxTime()).minus(Duration.between(r.start, Instant.now()));
            r.schedule(() -> {
                r.timedOut = true;
                SupervisedJob.killQuietly(task, Signal.SIGKILL);
            }, left.isNegative() ? Duration.ZERO : left);
        }
        if (cmd.statsInterval() > 0 && supervisor.tasks().runtime().features().contains(TaskRuntime.Feature.STATS)) {
            r.every(() -> sample(task), cmd.statsInterval());
        }
    }

    /**
     * 0-core's code for a process that could not start: 404 when its program is not there (exec.LookPath
     * failed, base/pm/systemprocess.go), else 400. The runtimes name the field of what is wrong: "args[0]".
     */
    static int spawnCode(OverseerException e) {
        return e.kind() == ErrorKind.INVALID_ARGUMENT && e.field().filter("args[0]"::equals).isPresent() ? 404 : 400;
    }

    private void addSinks(Task task, LevelParser out, LevelParser err) {
        for (JobHook h : options.hooks()) {
            if (h instanceof JobHook.Output o) {
                task.output().addSink(o.sink());
            } else if (h instanceof JobHook.Bytes b) {
                task.output().addByteSink(b.sink());
            }
        }
        task.output().addSink(new overseer.core.LogSink() {
            @Override
            public void accept(overseer.core.LogRecord rec) {
                (rec.stream() == LogStream.STDOUT ? out : err).line(rec.payload(), 0, rec.payload().length);
            }

            @Override
            public void accept(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial) {
                (stream == LogStream.STDOUT ? out : err).line(buf, off, len); // no record made per line
            }
        });
    }

    /** One stats_interval sample: the task's processes as its runtime reports them, summed. */
    private void sample(Task task) {
        List<ProcessStats> procs;
        try {
            procs = task.stats().processes();
        } catch (OverseerException ended) {
            return; // between the exit and the timer's cancellation
        }
        if (procs.isEmpty()) {
            return;
        }
        List<Tag> tags = List.of(new Tag("job", cmd.id()));
        StatsAggregator stats = job.statsAggregator();
        stats.add(AggregatedStat.AVERAGE, "cpu", procs.stream().mapToDouble(ProcessStats::cpu).sum(), tags);
        stats.add(AggregatedStat.AVERAGE, "rss", procs.stream().mapToLong(ProcessStats::rss).sum(), tags);
        stats.add(AggregatedStat.AVERAGE, "vms", procs.stream().mapToLong(ProcessStats::vms).sum(), tags);
        stats.add(AggregatedStat.AVERAGE, "swap", procs.stream().mapToLong(ProcessStats::swap).sum(), tags);
    }

    private static void writeStdin(Task task, String text) {
        Thread.ofVirtual().start(() -> {
            try (OutputStream in = task.stdin()) {
                in.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException | OverseerException e) {
                // the process closed its stdin or ended: what it did not read is not ours to keep
            }
        });
    }
}
