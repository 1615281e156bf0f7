package overseer.supervisor;

import overseer.core.internal.Identifiers;
import overseer.core.OverseerException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs slices on a {@link Supervisor} (0-core's RunSlice): each service becomes a job running its
 * {@link Slice.Service#process()}, with the id prefix + service name ("slice-db"), started once every
 * service it comes after is ready.
 * <p>
 * Readiness ({@link Slice.Readiness}): a Match is a {@link JobHook.Match} on the job's output, a Delay a
 * {@link JobHook.Delay} after the start, Exited waits for the job's successful end. Whatever the readiness,
 * a job that ends successfully before it is ready releases its dependents (as in 0-core), and one that
 * ends otherwise (ERROR, TIMEOUT, KILLED, after its restarts) fails them. The job's end is taken from a
 * {@link JobHook.Exit}, which runs on the job's hook thread after the match hooks of its output: a process that
 * prints its ready line and then exits is seen ready first.
 * <p>
 * The states, and what happens on failure and on stop: {@link SliceRun}.
 */
public final class SliceRunner {
    public static final String DEFAULT_PREFIX = "slice-";

    private final Supervisor supervisor;
    private final String prefix;

    public SliceRunner(Supervisor supervisor) {
        this(supervisor, DEFAULT_PREFIX);
    }

    /** A runner whose jobs are named {@code prefix} + service name. */
    public SliceRunner(Supervisor supervisor, String prefix) {
        this.supervisor = Objects.requireNonNull(supervisor, "supervisor");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        Identifiers.require("prefix", prefix + "x");
    }

    public SliceRun start(Slice slice) {
        return start(slice, List.of());
    }

    /** Starts the slice with {@code listener} in place, so that it sees every change from the first. */
    public SliceRun start(Slice slice, Consumer<ServiceChange> listener) {
        return start(slice, List.of(listener));
    }

    /**
     * Starts the slice again after a daemon restart: a service whose job is in {@code left} with its process
     * running is taken back ({@link Supervisor#adopt}), not started a second time, and is READY at once (a
     * one-shot still waits for its end); every other service starts as in {@link #start(Slice)}.
     */
    public SliceRun resume(Slice slice, java.util.Map<String, Adoption> left) {
        Objects.requireNonNull(left, "left");
        java.util.Map<String, Adoption> running = left.entrySet().stream().filter(e -> e.getValue().running())
                .collect(java.util.stream.Collectors.toMap(java.util.Map.Entry::getKey, java.util.Map.Entry::getValue));
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Slice.Service s : slice.services()) {
            if (running.containsKey(prefix + s.name())) {
                names.add(s.name());
            }
        }
        return start(slice, List.of(), running, names);
    }

    private SliceRun start(Slice slice, List<Consumer<ServiceChange>> listeners) {
        return start(slice, listeners, java.util.Map.of(), java.util.Set.of());
    }

    private SliceRun start(Slice slice, List<Consumer<ServiceChange>> listeners, java.util.Map<String, Adoption> running,
                           java.util.Set<String> runningNames) {
        Objects.requireNonNull(slice, "slice");
        // everything that can be known wrong is checked before the first job starts
        List<String> taken = new ArrayList<>();
        for (Slice.Service s : slice.services()) {
            Identifiers.require("services." + s.name() + ".name", prefix + s.name());
            if (supervisor.jobs().containsKey(prefix + s.name())) {
                taken.add(prefix + s.name());
            }
        }
        if (!taken.isEmpty()) {
            throw OverseerException.alreadyExists("job %s already running: is the slice running already?",
                    String.join(", ", taken));
        }
        SliceRun run = new SliceRun(slice, prefix, (s, jobId, r) -> launch(s, jobId, r,
                java.util.Optional.ofNullable(running.get(jobId))), listeners);
        run.begin(runningNames);
        return run;
    }

    /** The job ids of the slice's services, in the slice's order. */
    public List<String> jobIds(Slice slice) {
        return slice.services().stream().map(s -> prefix + s.name()).toList();
    }

    private Job launch(Slice.Service s, String jobId, SliceRun run, java.util.Optional<Adoption> left) {
        JobOptions.Builder options = JobOptions.builder()
                .restart(s.restart() == RestartPolicy.Mode.NEVER ? RestartPolicy.NEVER
                        : new RestartPolicy(s.restart(), s.maxRestarts(), Backoff.DEFAULT, Duration.ofSeconds(10)));
        String name = s.name();
        switch (s.ready()) {
            case Slice.Readiness.Match m -> options.hook(new JobHook.Match(m.pattern(),
                    msg -> run.ready(name, "matched \"" + m.pattern().pattern() + "\"")));
            case Slice.Readiness.Delay d -> options.hook(new JobHook.Delay(d.delay(),
                    () -> run.ready(name, "running for " + format(d.delay()))));
            case Slice.Readiness.Exited x -> {
            }
        }
        CompletableFuture<Job> self = new CompletableFuture<>();
        options.hook(new JobHook.Exit(state -> self.thenAccept(job ->
                run.ended(name, job.lastResult().orElseGet(() -> JobResult.notRun(job.command(), state, "", 0))))));
        JobSpec spec = JobSpec.builder(jobId).process(s.process()).options(options.build()).build();
        Job job = left.isPresent() ? supervisor.adopt(spec, left.get()) : supervisor.run(spec);
        s.readyTimeout().ifPresent(t -> CompletableFuture.delayedExecutor(t.toNanos(), TimeUnit.NANOSECONDS)
                .execute(() -> run.notReady(name, t)));
        self.complete(job);
        return job;
    }

    /** 1500 ms as "1.5s", 2 s as "2s", 250 ms as "250ms". */
    static String format(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + "ms";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() / 1000.0 + "s";
    }
}
