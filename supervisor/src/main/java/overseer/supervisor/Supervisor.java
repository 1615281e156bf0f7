package overseer.supervisor;

import overseer.core.internal.Identifiers;
import overseer.core.OverseerException;
import overseer.core.Tasks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * 0-core's process manager on top of the task core: jobs ({@link JobSpec}), each run as a task in the
 * "jobs" namespace (or as a built-in), supervised by the job's restart policy, max_time, queue and
 * recurring period. 0-core's JSON commands are made jobs at the edge ({@link #run(Command, JobOptions)}).
 */
public final class Supervisor implements AutoCloseable {
    /** The namespace the jobs' tasks live in, unless another is given. */
    public static final String NAMESPACE = "jobs";
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(30);

    private final Tasks tasks;
    private final String namespace;
    private final CommandRegistry registry = new CommandRegistry();
    private final Queues queues = new Queues();
    private final Map<String, SupervisedJob> jobs = new ConcurrentHashMap<>();
    private final List<Consumer<JobResult>> resultHandlers = new CopyOnWriteArrayList<>();
    private final List<Consumer<Job>> endHandlers = new CopyOnWriteArrayList<>();
    // One platform thread for every timer: max_time, delay hooks, stats samples.
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("overseer-timers").daemon(true).unstarted(r));
    private volatile boolean closing;
    private volatile boolean detached;
    private volatile Ledger ledger = Ledger.NONE;
    private final Slices slices = new Slices(this);

    public Supervisor(Tasks tasks) {
        this(tasks, NAMESPACE);
    }

    /** A supervisor whose jobs' tasks live in {@code namespace}. */
    public Supervisor(Tasks tasks, String namespace) {
        this.tasks = tasks;
        this.namespace = Identifiers.require("namespace", namespace);
        JobBuiltIns.register(this);
    }

    public String namespace() {
        return namespace;
    }

    public CommandRegistry registry() {
        return registry;
    }

    public Tasks tasks() {
        return tasks;
    }

    /**
     * Starts a job. One with the id of a live job does not run: the job returned has already ended with
     * DUPILICATE_ID (and result handlers see it), as 0-core reports it. An empty id is given a UUID.
     */
    public Job run(JobSpec spec) {
        return start(spec, Optional.empty());
    }

    /** Runs 0-core's command: {@link #run(Command, JobOptions)} with the default options. */
    public Job run(Command cmd) {
        return run(cmd, JobOptions.DEFAULT);
    }

    /**
     * Runs 0-core's command: its kind's factory makes the job's process from its arguments, and the job runs
     * as {@link #run(JobSpec)}. A command of an unknown kind does not run: the job returned has already ended
     * with UNKNOWN_CMD; one whose arguments its kind refuses has ended with ERROR (code 400, the refusal as
     * the result's cause).
     */
    public Job run(Command cmd, JobOptions options) {
        return fromCommand(cmd, options, Optional.empty());
    }

    /**
     * Takes back a job an earlier supervisor left (after a daemon restart). A job whose process was running
     * is reattached through the runtime (same pid and start time): its exit, when it comes (or the one it had
     * while no supervisor watched), is its run's end, with its max_time counted from the run's start and its
     * restart policy applied with the restarts already made. A job waiting for its next run runs when it is
     * due; any other runs as if just submitted (in its queue, after the jobs taken back before it).
     */
    public Job adopt(JobSpec spec, Adoption left) {
        Identifiers.require("id", spec.id());
        return start(spec, Optional.of(left));
    }

    /** Takes back 0-core's command (see {@link #adopt(JobSpec, Adoption)}), made a job as {@link #run(Command, JobOptions)}. */
    public Job adopt(Command cmd, JobOptions options, Adoption left) {
        Identifiers.require("id", cmd.id());
        return fromCommand(cmd, options, Optional.of(left));
    }

    /** The edge from 0-core's commands: the kind's factory makes the process from the arguments. */
    private Job fromCommand(Command cmd, JobOptions options, Optional<Adoption> left) {
        requireOpen();
        Command c = cmd.id().isEmpty() ? cmd.withId(UUID.randomUUID().toString()) : cmd;
        Identifiers.require("id", c.id());
        Optional<JobProcess.Factory> factory = registry.factory(c.command());
        if (factory.isEmpty()) {
            return refused(c, options, JobResult.notRun(c, JobState.UNKNOWN_CMD, "unknown command kind: " + c.command(), 0));
        }
        if (jobs.containsKey(c.id())) {
            return duplicate(c, options); // as 0-core: the id is checked before the factory reads the arguments
        }
        JobProcess process;
        try {
            process = factory.get().create(c);
        } catch (OverseerException e) {
            return refused(c, options, JobResult.notStarted(c, e, 400));
        }
        return start(new JobSpec(c, process, options), left);
    }

    private Job start(JobSpec spec, Optional<Adoption> left) {
        requireOpen();
        JobSpec s = spec.id().isEmpty() ? spec.withId(UUID.randomUUID().toString()) : spec;
        Identifiers.require("id", s.id());
        SupervisedJob job = new SupervisedJob(this, s, left);
        if (jobs.putIfAbsent(s.id(), job) != null) {
            return duplicate(s.command(), s.options());
        }
        job.launch();
        return job;
    }

    private void requireOpen() {
        if (closing) {
            throw OverseerException.unavailable("the supervisor is shutting down");
        }
    }

    /** Where every run and slice is written down (see {@link Ledger}); none by default. */
    public void ledger(Ledger ledger) {
        this.ledger = java.util.Objects.requireNonNull(ledger, "ledger");
    }

    /** The slices run on this supervisor, by name. */
    public Slices slices() {
        return slices;
    }

    /** Parses 0-core's JSON command and runs it. */
    public Job submit(String json) {
        return run(Commands.parse(json));
    }

    private Job duplicate(Command c, JobOptions options) {
        return refused(c, options, JobResult.notRun(c, JobState.DUPILICATE_ID, "duplicate job id: " + c.id(), 0));
    }

    /** A job that ends before it begins: its result goes to the handlers as every job's does ({@link #ended}). */
    private Job refused(Command c, JobOptions options, JobResult r) {
        return SupervisedJob.finished(this, c, options, r);
    }

    /** The live jobs, by id. */
    public Map<String, Job> jobs() {
        return Map.copyOf(jobs);
    }

    public Job job(String id) {
        Job j = jobs.get(id);
        if (j == null) {
            throw OverseerException.notFound("job does not exist: %s", id);
        }
        return j;
    }

    public void kill(String id) {
        job(id).kill();
    }

    /** Kills every live job but the protected ones. */
    public void killAll() {
        jobs.values().stream().filter(j -> !j.command().protect()).forEach(SupervisedJob::kill);
    }

    /** Kills every live job but the protected ones and {@code except} with {@code signal} (0-core's Killall). */
    void killAll(overseer.core.Signal signal, String except) {
        jobs.values().stream().filter(j -> !j.command().protect() && !j.command().id().equals(except))
                .forEach(j -> j.kill(signal, j.options().stopGrace()));
    }

    /** Called with every final result, and with the results of commands that were refused. */
    public void onResult(Consumer<JobResult> handler) {
        resultHandlers.add(handler);
    }

    /** Called with every job that ended (refused ones too), after its result handlers: its diagnostics are final. */
    public void onEnded(Consumer<Job> handler) {
        endHandlers.add(handler);
    }

    /**
     * Stops everything, protected jobs too: the stop signal to each, then SIGKILL to whatever is left at
     * {@code bound}; returns when every job has ended.
     */
    public void shutdown(Duration bound) {
        closing = true;
        jobs.values().forEach(SupervisedJob::kill);
        Instant deadline = Instant.now().plus(bound);
        for (SupervisedJob j : List.copyOf(jobs.values())) {
            try {
                Duration left = Duration.between(Instant.now(), deadline);
                if (j.await(left.isNegative() ? Duration.ZERO : left).isEmpty()) {
                    j.forceKill();
                    j.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        scheduler.shutdownNow();
    }

    @Override
    public void close() {
        shutdown(CLOSE_BOUND);
    }

    /**
     * Stops supervising and leaves every process running, for a new supervisor to {@link #adopt}: no job is
     * killed, ended or restarted, no result is given and no queue moves on (a daemon stopping without
     * stopping its tasks). Nothing can be submitted afterwards.
     */
    public void detach() {
        closing = true;
        detached = true;
        jobs.values().forEach(SupervisedJob::detach);
        scheduler.shutdownNow();
    }

    // --- for jobs ---------------------------------------------------------------------------------------

    Queues queues() {
        return queues;
    }

    boolean detached() {
        return detached;
    }

    /** Tells the ledger of a run; a ledger's failure must not stop the job. */
    void ran(SupervisedJob job, JobRun run) {
        try {
            ledger.run(job, run);
        } catch (RuntimeException e) {
            System.getLogger(Supervisor.class.getName()).log(System.Logger.Level.WARNING,
                    "ledger: the run of job " + job.command().id() + " was not recorded: " + e, e);
        }
    }

    Ledger currentLedger() {
        return ledger;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * The handlers run while the job is still listed, so that whoever finds it gone can rely on what they
     * did (a daemon's stored result, say).
     */
    void ended(SupervisedJob job, JobResult r) {
        if (detached) {
            return; // a detached job has not ended: a new supervisor takes it back
        }
        notifyEnded(job, r);
        jobs.remove(job.command().id(), job);
    }

    /** The result handlers, then the end handlers; one that fails is logged and the others still run. */
    private void notifyEnded(SupervisedJob job, JobResult r) {
        for (Consumer<JobResult> h : resultHandlers) {
            try {
                h.accept(r);
            } catch (RuntimeException e) {
                System.getLogger(Supervisor.class.getName()).log(System.Logger.Level.WARNING,
                        "result handler failed: " + e, e);
            }
        }
        for (Consumer<Job> h : endHandlers) {
            try {
                h.accept(job);
            } catch (RuntimeException e) {
                System.getLogger(Supervisor.class.getName()).log(System.Logger.Level.WARNING,
                        "end handler failed: " + e, e);
            }
        }
    }
}
