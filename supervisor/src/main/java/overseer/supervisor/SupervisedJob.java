package overseer.supervisor;

import overseer.core.OverseerException;
import overseer.core.ProcessStats;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.spi.TaskRuntime;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One job: what it runs ({@link JobSpec}), its state between runs, and its controls and views. Its life is
 * a {@link RunLoop} on a virtual thread of its own; each run is a {@link SystemRun} or a {@link BuiltInRun}
 * whose messages a {@link MessageRouter} routes.
 */
final class SupervisedJob implements Job {
    private final Supervisor supervisor;
    private final Command cmd;
    private final JobProcess process; // null for a job refused before it could run
    private final JobOptions options;
    private final Instant submitted = Instant.now();
    private final Diagnostics diagnostics;
    private final StatsAggregator stats = new StatsAggregator();
    private final SerialExecutor hooks;
    private final List<Consumer<Message>> subscribers = new CopyOnWriteArrayList<>();
    private final CompletableFuture<JobResult> result = new CompletableFuture<>();
    private final CountDownLatch attached;
    // Completed by a kill. Waits end on it, never on an interrupt: a kill that came between the loop's check
    // and the run's start would interrupt the run's own waits (its task started, then never awaited or deleted).
    private final CompletableFuture<Void> killed = new CompletableFuture<>();
    private final Optional<Adoption> left; // what an earlier supervisor left of it, when taken back
    private volatile JobResult last;
    private volatile Thread runner;
    private volatile Run run; // the run in progress, if any
    private CompletableFuture<Void> ticket; // its place in its queue, if it has a queue
    private volatile StopWith stopWith; // how kill() asked it to stop
    private volatile int restarts; // made by its policy since its last stable run
    private volatile boolean detached;

    SupervisedJob(Supervisor supervisor, JobSpec spec, Optional<Adoption> left) {
        this(supervisor, spec.command(), spec.options(), spec.process(), left);
    }

    private SupervisedJob(Supervisor supervisor, Command cmd, JobOptions options, JobProcess process,
                          Optional<Adoption> left) {
        this.supervisor = supervisor;
        this.cmd = cmd;
        this.options = options;
        this.process = process;
        this.left = left;
        this.diagnostics = new Diagnostics(options.exitLogSize());
        this.hooks = new SerialExecutor("hooks-" + cmd.id());
        this.attached = new CountDownLatch(options.runBlock() ? 1 : 0);
    }

    /** A job that ended before it began: unknown command, bad arguments, duplicate id. */
    static SupervisedJob finished(Supervisor supervisor, Command cmd, JobOptions options, JobResult r) {
        SupervisedJob j = new SupervisedJob(supervisor, cmd, options, null, Optional.empty());
        j.killed.complete(null);
        j.end(r);
        return j;
    }

    /** Takes the job's place in its queue, on the submitting thread, then starts the job's thread. */
    void launch() {
        ticket = cmd.queue().isEmpty() ? null : supervisor.queues().enqueue(cmd.queue());
        runner = Thread.ofVirtual().name("job-" + cmd.id()).start(() -> end(new RunLoop(this).run()));
    }

    private void end(JobResult fin) {
        if (detached) {
            return; // not ended: left running for a new supervisor
        }
        last = fin;
        supervisor.ended(this, fin);
        runExitHooks(fin);
        result.complete(fin);
    }

    private void runExitHooks(JobResult fin) {
        for (JobHook h : options.hooks()) {
            if (h instanceof JobHook.Exit exit) {
                hooks.execute(() -> exit.action().accept(fin.state()));
            }
        }
    }

    // --- for its runs -----------------------------------------------------------------------------------

    Supervisor supervisor() {
        return supervisor;
    }

    JobProcess process() {
        return process;
    }

    Optional<Adoption> left() {
        return left;
    }

    /** Waits for its attach (run-block), then for its turn in its queue; a kill ends either wait. */
    void awaitTurn() throws InterruptedException, ExecutionException {
        attached.await();
        if (ticket != null) {
            CompletableFuture.anyOf(ticket, killed).get();
        }
    }

    /** Gives up its place in its queue; a detached job keeps it: the queue must not move on while its process runs. */
    void leaveQueue() {
        if (ticket != null && !detached) {
            supervisor.queues().leave(cmd.queue(), ticket);
        }
    }

    boolean killRequested() {
        return killed.isDone();
    }

    /** Waits up to {@code d} for a kill; true if the job was killed. */
    boolean awaitKill(Duration d) throws InterruptedException {
        try {
            killed.get(d.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // never completed exceptionally
        }
    }

    void last(JobResult r) {
        last = r;
    }

    int restarts() {
        return restarts;
    }

    void restarts(int n) {
        restarts = n;
    }

    void current(Run r) {
        run = r;
    }

    /** Where a new run's messages go. */
    MessageRouter router() {
        return new MessageRouter(cmd, options, stats, hooks, subscribers);
    }

    /** Tells the supervisor's ledger of a run. */
    void ran(JobRun r) {
        supervisor.ran(this, r);
    }

    /** Runs a hook on the job's hook thread, in order. */
    void hook(Runnable action) {
        hooks.execute(action);
    }

    StatsAggregator statsAggregator() {
        return stats;
    }

    // --- control ----------------------------------------------------------------------------------------

    @Override
    public void kill() {
        kill(options.stopSignal(), options.stopGrace());
    }

    @Override
    public void kill(Signal stopSignal, Duration grace) {
        overseer.core.internal.Durations.requireNonNegative("grace", grace);
        stopWith = new StopWith(stopSignal, grace);
        killed.complete(null); // a job waiting for its turn stops waiting; a run about to start sees it
        attached.countDown();
        Run r = run;
        if (r != null) {
            stop(r);
        }
    }

    private record StopWith(Signal signal, Duration grace) {
    }

    /** Stops a run: the stop signal, SIGKILL after the grace; a built-in is interrupted. */
    void stop(Run r) {
        r.stopping = true;
        Task task = r.task;
        StopWith how = stopWith != null ? stopWith : new StopWith(options.stopSignal(), options.stopGrace());
        if (task != null) {
            shutdownInBackground(task, how.signal(), how.grace(), "stop-" + cmd.id());
        }
        Thread b = r.builtIn;
        if (b != null) {
            b.interrupt();
        }
    }

    /** Lets go of the job without touching its process: its thread ends, no result is given (see Supervisor.detach). */
    void detach() {
        detached = true;
        Thread t = runner;
        if (t != null) {
            t.interrupt();
        }
    }

    /** SIGKILL now, for shutdown's deadline. */
    void forceKill() {
        killed.complete(null);
        attached.countDown();
        Run r = run;
        if (r != null) {
            r.stopping = true;
            Task task = r.task;
            if (task != null) {
                killQuietly(task, Signal.SIGKILL);
            }
            Thread b = r.builtIn;
            if (b != null) {
                b.interrupt();
            }
        }
    }

    /** The stop sequence on a thread of its own: {@code signal}, then SIGKILL after {@code grace}. */
    static void shutdownInBackground(Task task, Signal signal, Duration grace, String thread) {
        Thread.ofVirtual().name(thread).start(() -> {
            try {
                task.shutdown(signal, grace);
            } catch (InterruptedException | OverseerException e) {
                killQuietly(task, Signal.SIGKILL);
            }
        });
    }

    static void killQuietly(Task task, Signal s) {
        try {
            task.kill(s, true);
        } catch (OverseerException alreadyFinished) {
            // it ended on its own meanwhile
        }
    }

    @Override
    public void signal(Signal signal) {
        Run r = run;
        Task task = r == null ? null : r.task;
        if (task == null) {
            throw OverseerException.failedPrecondition("job %s has no process running", cmd.id());
        }
        task.kill(signal, true);
    }

    @Override
    public void attach() {
        attached.countDown();
    }

    @Override
    public boolean blocked() {
        return attached.getCount() > 0;
    }

    // --- views ------------------------------------------------------------------------------------------

    @Override
    public Command command() {
        return cmd;
    }

    @Override
    public JobOptions options() {
        return options;
    }

    @Override
    public Instant startTime() {
        return submitted;
    }

    @Override
    public Optional<Task> task() {
        Run r = run;
        return Optional.ofNullable(r == null ? null : r.task).filter(t -> t.status() == Status.RUNNING);
    }

    @Override
    public long pid() {
        return task().map(Task::pid).orElse(0L);
    }

    @Override
    public AutoCloseable subscribe(Consumer<Message> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    @Override
    public Diagnostics diagnostics() {
        return diagnostics;
    }

    @Override
    public List<AggregatedStat> stats() {
        return stats.snapshot();
    }

    /** What the processes of the current run use now; empty between runs, for a built-in or without STATS. */
    List<ProcessStats> processStats() {
        Optional<Task> t = task();
        if (t.isEmpty() || !supervisor.tasks().runtime().features().contains(TaskRuntime.Feature.STATS)) {
            return List.of();
        }
        try {
            return t.get().stats().processes();
        } catch (OverseerException ended) {
            return List.of(); // it ended between the status read and the stats
        }
    }

    @Override
    public Optional<JobResult> lastResult() {
        return Optional.ofNullable(last);
    }

    @Override
    public CompletableFuture<JobResult> onResult() {
        return result.copy();
    }

    @Override
    public String toString() {
        return cmd.toString();
    }
}
