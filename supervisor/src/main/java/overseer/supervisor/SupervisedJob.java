package overseer.supervisor;

import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.LogTail;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One job: a virtual thread that waits for its attach (run-block) and its queue, then runs the command,
 * again and again as the restart policy and recurring_period say, until it ends for good or is killed.
 */
final class SupervisedJob implements Job {
    /** How long a new run waits for the task of an ended run of the same id to finish stopping. */
    private static final Duration PREVIOUS_RUN_BOUND = Duration.ofSeconds(30);

    private static final Duration DRAIN_BOUND = Duration.ofSeconds(2);

    private final Supervisor supervisor;
    private final Command cmd;
    private final JobOptions options;
    private final RestartPolicy policy;
    private final Instant submitted = Instant.now();
    private final Diagnostics diagnostics;
    private final StatsAggregator stats = new StatsAggregator();
    private final SerialExecutor hooks;
    private final List<Consumer<Message>> subscribers = new CopyOnWriteArrayList<>();
    private final CompletableFuture<JobResult> result = new CompletableFuture<>();
    private final CountDownLatch attached;
    private final CountDownLatch killed = new CountDownLatch(1);
    private volatile JobResult last;
    private volatile Thread runner;
    private volatile Run run; // the run in progress, if any
    private CompletableFuture<Void> ticket; // its place in its queue, if it has a queue
    private volatile StopWith stopWith; // how kill() asked it to stop
    private final Optional<Adoption> left; // what an earlier supervisor left of it, when taken back
    private volatile int restarts; // made by its policy since its last stable run
    private volatile boolean detached;

    SupervisedJob(Supervisor supervisor, Command cmd, JobOptions options, Optional<Adoption> left) {
        this.supervisor = supervisor;
        this.cmd = cmd;
        this.options = options;
        this.left = left;
        this.policy = options.restartFor(cmd);
        this.diagnostics = new Diagnostics(options.exitLogSize());
        this.hooks = new SerialExecutor("hooks-" + cmd.id());
        this.attached = new CountDownLatch(options.runBlock() ? 1 : 0);
    }

    /** A job that ended before it began: unknown command, duplicate id. */
    static SupervisedJob finished(Supervisor supervisor, Command cmd, JobOptions options, JobResult r) {
        SupervisedJob j = new SupervisedJob(supervisor, cmd, options, Optional.empty());
        j.killed.countDown();
        j.last = r;
        j.runExitHooks(r);
        j.result.complete(r);
        return j;
    }

    /** Takes the job's place in its queue, on the submitting thread, then starts the job's thread. */
    void launch() {
        ticket = cmd.queue().isEmpty() ? null : supervisor.queues().enqueue(cmd.queue());
        runner = Thread.ofVirtual().name("job-" + cmd.id()).start(this::runLoop);
    }

    // --- the loop ---------------------------------------------------------------------------------------

    private void runLoop() {
        JobResult fin = null;
        try {
            attached.await();
            if (ticket != null) {
                ticket.get();
            }
            Optional<Adoption> adopting = left.filter(Adoption::running);
            if (left.isPresent()) {
                JobRun was = left.get().run();
                restarts = was.restarts();
                diagnostics.resurrected(was.resurrections());
                Optional<Instant> due = was.nextRunAt().filter(at -> !left.get().running());
                if (due.isPresent()) {
                    // its next run was armed when the earlier supervisor stopped: it comes when it was due
                    Duration wait = Duration.between(Instant.now(), due.get());
                    if (wait.isNegative() || !killed.await(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                        diagnostics.resurrected();
                    } // killed meanwhile: the loop below ends it
                }
            }
            while (true) {
                if (killed.getCount() == 0) {
                    fin = withState(last != null ? last : JobResult.notRun(cmd, JobState.KILLED, "killed before it ran", 0),
                            JobState.KILLED);
                    break;
                }
                Instant began = adopting.map(a -> a.run().startedAt()).orElseGet(Instant::now);
                Outcome o = runOnce(adopting);
                adopting = Optional.empty();
                last = o.result();
                if (Duration.between(began, Instant.now()).compareTo(policy.minUptime()) >= 0) {
                    restarts = 0; // a stable run: the backoff and the count start over
                }
                Duration delay = null;
                String next;
                if (o.result().state() == JobState.KILLED || killed.getCount() == 0) {
                    next = "killed";
                } else if (o.retryable() && policy.restarts(o.result().state(), restarts)) {
                    restarts++;
                    delay = policy.backoff().delay(restarts);
                    next = "restart " + restarts + (policy.maxRestarts() == RestartPolicy.UNLIMITED ? "" : " of " + policy.maxRestarts()) + " in " + delay.toMillis() + " ms";
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
                    fin = o.result();
                    break;
                }
                supervisor.ran(this, new JobRun(0, began, restarts, diagnostics.resurrectionCount(),
                        Optional.of(Instant.now().plus(delay))));
                if (killed.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                    fin = withState(o.result(), JobState.KILLED);
                    break;
                }
                diagnostics.resurrected();
            }
        } catch (InterruptedException e) {
            fin = withState(last != null ? last : JobResult.notRun(cmd, JobState.KILLED, "killed before it ran", 0),
                    JobState.KILLED);
        } catch (RuntimeException | java.util.concurrent.ExecutionException e) {
            fin = JobResult.notRun(cmd, JobState.ERROR, "overseer: " + e.getMessage(), 500);
        } finally {
            // a detached job keeps its place: the queue must not move on while its process runs
            if (ticket != null && !detached) {
                supervisor.queues().leave(cmd.queue(), ticket);
            }
        }
        end(fin);
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

    private static JobResult withState(JobResult r, JobState state) {
        return new JobResult(r.id(), r.command(), r.data(), r.streams(), r.critical(), r.level(), state, r.code(),
                r.starttime(), r.time(), r.tags(), r.container());
    }

    /** One run's result; {@code retryable} is false when the command could not even start. */
    private record Outcome(JobResult result, Optional<Exit> exit, boolean retryable) {
    }

    private Outcome runOnce(Optional<Adoption> adopting) throws InterruptedException {
        JobProcess process;
        try {
            process = supervisor.registry().factory(cmd.command()).orElseThrow().create(cmd);
        } catch (OverseerException e) {
            return new Outcome(JobResult.notRun(cmd, JobState.ERROR, e.getMessage(), 400), Optional.empty(), false);
        }
        Run r = new Run(adopting.map(a -> a.run().startedAt()).orElseGet(Instant::now));
        run = r;
        try {
            return switch (process) {
                case JobProcess.System s -> runSystem(r, s, adopting);
                case JobProcess.BuiltIn b -> runBuiltIn(r, b);
            };
        } finally {
            r.timers.forEach(f -> f.cancel(false));
            run = null;
        }
    }

    /** What one run has going: its task or built-in thread, its output so far, its flags. */
    private final class Run {
        final Instant start;
        final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
        /** The last lines, as bytes in reused slots: a flood of plain lines makes no String per line. */
        final LogTail stdout = new LogTail(options.tailLines());
        final LogTail stderr = new LogTail(options.tailLines());
        final boolean streamHooks = options.hooks().stream().anyMatch(JobHook.Stream.class::isInstance);
        final List<JobHook.Match> unmatched = new CopyOnWriteArrayList<>(
                options.hooks().stream().filter(JobHook.Match.class::isInstance).map(JobHook.Match.class::cast).toList());
        volatile Task task;
        volatile Thread builtIn;
        volatile boolean timedOut;
        volatile boolean stopping;
        String data = "";
        int level;
        String critical = "";

        Run(Instant start) {
            this.start = start;
        }

        synchronized void message(Message m) {
            switch (m.level()) {
                case Message.STDOUT -> tail(stdout, m.text());
                case Message.STDERR -> tail(stderr, m.text());
                case Message.CRITICAL -> critical = m.text();
                case Message.STATS -> StatsAggregator.parseStatsd(m.text())
                        .ifPresent(p -> stats.add(p.op(), p.key(), p.value(), p.tags()));
                default -> {
                    if (Message.isResult(m.level())) {
                        data = m.text();
                        level = m.level();
                    }
                }
            }
            for (JobHook.Match h : unmatched) {
                if (h.pattern().matcher(m.text()).find()) {
                    unmatched.remove(h);
                    hooks.execute(() -> h.action().accept(m));
                }
            }
            for (JobHook h : options.hooks()) {
                if (h instanceof JobHook.Stream s) {
                    s.message(m);
                }
            }
            if (cmd.logLevels().isEmpty() || cmd.logLevels().contains(m.level())) {
                for (Consumer<Message> s : subscribers) {
                    try {
                        s.accept(m);
                    } catch (RuntimeException e) {
                        subscribers.remove(s); // a broken subscriber must not stop the job's output
                    }
                }
            }
        }

        private void tail(LogTail q, String line) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            q.accept(Instant.EPOCH, LogStream.STDOUT, b, 0, b.length, false); // only the text is read back
        }

        /**
         * A plain line of stdout or stderr: it only joins the tail, as bytes, unless a match hook, a stream
         * hook or a subscriber wants its text, when it becomes a Message as any other.
         */
        void plain(int level, byte[] buf, int off, int len) {
            if (!unmatched.isEmpty() || streamHooks || (!subscribers.isEmpty()
                    && (cmd.logLevels().isEmpty() || cmd.logLevels().contains(level)))) {
                message(LevelParser.message(level, new String(buf, off, len, StandardCharsets.UTF_8)));
                return;
            }
            // no lock of the run's: the tail has its own (and none at all when it keeps nothing)
            (level == Message.STDERR ? stderr : stdout).accept(Instant.EPOCH, LogStream.STDOUT, buf, off, len, false);
        }

        synchronized JobResult result(JobState state, int code) {
            long startMs = start.toEpochMilli();
            return new JobResult(cmd.id(), cmd.command(), data, List.of(String.join("\n", stdout.lines()), String.join("\n", stderr.lines())),
                    critical, level, state, code, startMs, System.currentTimeMillis() - startMs, cmd.tags(), 0);
        }

        void schedule(Runnable action, Duration after) {
            timers.add(supervisor.scheduler().schedule(action, after.toNanos(), TimeUnit.NANOSECONDS));
        }
    }

    private Outcome runSystem(Run r, JobProcess.System s, Optional<Adoption> adopting) throws InterruptedException {
        Task task;
        LevelParser out = new LevelParser(Message.STDOUT, r::message, r::plain);
        LevelParser err = new LevelParser(Message.STDERR, r::message, r::plain);
        if (adopting.isPresent()) {
            long was = adopting.get().run().pid();
            try {
                // the same process, found by pid and start time; if it ended meanwhile, its exit is the run's end
                task = supervisor.tasks().reattach(supervisor.namespace(), s.forJob(cmd.id()), was,
                        adopting.get().startTime(), Optional.empty());
            } catch (OverseerException e) {
                return new Outcome(JobResult.notRun(cmd, JobState.ERROR, "could not take back pid " + was + ": "
                        + e.getMessage(), 500), Optional.empty(), false);
            }
            addSinks(task, out, err);
        } else {
            try {
                // A previous run's task: stopped, or (a job killed a moment ago) still being stopped. The same id
                // is never live twice (DUPILICATE_ID), so this is an ended job's: its end is awaited, then it goes.
                Optional<Task> previous = supervisor.tasks().list(supervisor.namespace()).stream()
                        .filter(t -> t.id().equals(cmd.id())).findFirst();
                if (previous.isPresent()) {
                    if (previous.get().status() != Status.CREATED) {
                        previous.get().await(PREVIOUS_RUN_BOUND);
                    }
                    previous.get().delete();
                }
                task = supervisor.tasks().create(supervisor.namespace(), s.forJob(cmd.id()));
            } catch (OverseerException e) {
                return new Outcome(JobResult.notRun(cmd, JobState.ERROR, e.getMessage(), spawnCode(e)), Optional.empty(), false);
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
                return new Outcome(JobResult.notRun(cmd, JobState.ERROR, e.getMessage(), spawnCode(e)), Optional.empty(), false);
            }
        }
        r.task = task;
        long pid = task.pid();
        supervisor.ran(this, new JobRun(pid, r.start, restarts, diagnostics.resurrectionCount(), Optional.empty()));
        if (killed.getCount() == 0) {
            stop(r);
        }
        for (JobHook h : options.hooks()) {
            switch (h) {
                case JobHook.Pid p -> hooks.execute(() -> p.action().accept(pid));
                case JobHook.Delay d -> r.schedule(() -> {
                    if (task.status() == Status.RUNNING) {
                        hooks.execute(d.action());
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
                Thread.ofVirtual().name("timeout-" + cmd.id()).start(() -> {
                    try {
                        task.shutdown(options.stopSignal(), options.stopGrace());
                    } catch (InterruptedException | OverseerException e) {
                        killQuietly(task, Signal.SIGKILL);
                    }
                });
            }, left.isNegative() ? Duration.ZERO : left);
        } else if (cmd.maxTime() > 0) {
            // from the run's start, which for a job taken back was under an earlier supervisor
            Duration left = Duration.ofSeconds(cmd.maxTime()).minus(Duration.between(r.start, Instant.now()));
            r.schedule(() -> {
                r.timedOut = true;
                killQuietly(task, Signal.SIGKILL);
            }, left.isNegative() ? Duration.ZERO : left);
        }
        if (cmd.statsInterval() > 0 && supervisor.tasks().runtime().features().contains(TaskRuntime.Feature.STATS)) {
            r.timers.add(supervisor.scheduler().scheduleAtFixedRate(() -> sample(task),
                    cmd.statsInterval(), cmd.statsInterval(), TimeUnit.SECONDS));
        }
        if (adopting.isEmpty()) {
            s.stdin().ifPresent(text -> writeStdin(task, text)); // a process taken back had its stdin long ago
        }
        Exit exit = task.await();
        try {
            task.output().drained().get(DRAIN_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // children that outlived the process still hold its output; the result goes without it
        }
        out.finish();
        err.finish();
        task.delete();
        JobState state = r.stopping ? JobState.KILLED
                : r.timedOut ? JobState.TIMEOUT
                : exit.success() ? JobState.SUCCESS : JobState.ERROR;
        return new Outcome(r.result(state, JobResult.code(exit)), Optional.of(exit), true);
    }

    /**
     * 0-core's code for a process that could not start: 404 when its program is not there (exec.LookPath
     * failed, base/pm/systemprocess.go), else 400. The runtimes name the field of what is wrong: "args[0]".
     */
    static int spawnCode(OverseerException e) {
        return e.kind() == overseer.core.ErrorKind.INVALID_ARGUMENT && e.field().filter("args[0]"::equals).isPresent() ? 404 : 400;
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

    private Outcome runBuiltIn(Run r, JobProcess.BuiltIn b) throws InterruptedException {
        Object[] value = new Object[1];
        Throwable[] failure = new Throwable[1];
        JobProcess.Context ctx = new JobProcess.Context() {
            @Override
            public Command command() {
                return cmd;
            }

            @Override
            public void message(int level, String text) {
                r.message(new Message(level, text, System.currentTimeMillis() * 1_000_000L));
            }
        };
        Thread t = Thread.ofVirtual().name("builtin-" + cmd.id()).unstarted(() -> {
            try {
                value[0] = b.body().run(ctx);
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        r.builtIn = t;
        t.start();
        if (killed.getCount() == 0) {
            stop(r);
        }
        if (cmd.maxTime() > 0) {
            r.schedule(() -> {
                r.timedOut = true;
                t.interrupt();
            }, Duration.ofSeconds(cmd.maxTime()));
        }
        t.join();
        if (r.stopping) {
            return new Outcome(r.result(JobState.KILLED, 0), Optional.empty(), true);
        }
        if (r.timedOut) {
            return new Outcome(r.result(JobState.TIMEOUT, 0), Optional.empty(), true);
        }
        if (failure[0] instanceof JobError e) {
            r.message(new Message(Message.CRITICAL, e.getMessage(), System.currentTimeMillis() * 1_000_000L));
            return new Outcome(r.result(JobState.ERROR, e.code()), Optional.empty(), true);
        }
        if (failure[0] != null) {
            r.message(new Message(Message.CRITICAL, failure[0].toString(), System.currentTimeMillis() * 1_000_000L));
            return new Outcome(r.result(JobState.ERROR, 500), Optional.empty(), true);
        }
        synchronized (r) {
            r.data = value[0] instanceof String str ? Commands.JSON.writeValueAsString(str)
                    : Commands.JSON.writeValueAsString(value[0]);
            r.level = 20;
        }
        return new Outcome(r.result(JobState.SUCCESS, 0), Optional.empty(), true);
    }

    // --- control ----------------------------------------------------------------------------------------

    @Override
    public void kill() {
        kill(options.stopSignal(), options.stopGrace());
    }

    @Override
    public void kill(Signal stopSignal, Duration grace) {
        overseer.core.Durations.requireNonNegative("grace", grace);
        stopWith = new StopWith(stopSignal, grace);
        killed.countDown();
        attached.countDown();
        Thread t = runner;
        Run r = run;
        if (r != null) {
            stop(r);
        } else if (t != null) {
            t.interrupt(); // waiting for its queue: it never ran
        }
    }

    private record StopWith(Signal signal, Duration grace) {
    }

    /** Stops a run: the stop signal, SIGKILL after the grace; a built-in is interrupted. */
    private void stop(Run r) {
        r.stopping = true;
        Task task = r.task;
        StopWith how = stopWith != null ? stopWith : new StopWith(options.stopSignal(), options.stopGrace());
        if (task != null) {
            Thread.ofVirtual().name("stop-" + cmd.id()).start(() -> {
                try {
                    task.shutdown(how.signal(), how.grace());
                } catch (InterruptedException | OverseerException e) {
                    killQuietly(task, Signal.SIGKILL);
                }
            });
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
        killed.countDown();
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
        Thread t = runner;
        if (t != null && run == null) {
            t.interrupt();
        }
    }

    private static void killQuietly(Task task, Signal s) {
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
        Task t = r == null ? null : r.task;
        return t == null || t.status() != Status.RUNNING ? Optional.empty() : Optional.of(t);
    }

    @Override
    public long pid() {
        Run r = run;
        Task t = r == null ? null : r.task;
        return t == null || t.status() != Status.RUNNING ? 0 : t.pid();
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
        Run r = run;
        Task t = r == null ? null : r.task;
        if (t == null || t.status() != Status.RUNNING
                || !supervisor.tasks().runtime().features().contains(TaskRuntime.Feature.STATS)) {
            return List.of();
        }
        try {
            return t.stats().processes();
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
