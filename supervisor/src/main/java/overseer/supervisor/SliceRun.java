package overseer.supervisor;

import overseer.core.OverseerException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A slice being run by a {@link SliceRunner}: the state of each service, with notifications as they change.
 * <p>
 * A service's life, one state machine per service:
 * <pre>
 *   PENDING ──(every dependency READY or EXITED)──▶ STARTING ──(readiness)──▶ READY ──(exit 0)──▶ EXITED
 *      │                                              │  └──(exit 0 before ready: released too)──────▶ EXITED
 *      │                                              └──(exit ≠ 0, timeout, killed, ready_timeout)──▶ FAILED
 *      ├──(a dependency FAILED)──▶ FAILED "dependency db failed: exit status 1"         READY ──(exit ≠ 0)──▶ FAILED
 *      └──(stop)──▶ STOPPED                    STARTING, READY ──(stop)──▶ STOPPING ──(job ended)──▶ STOPPED
 * </pre>
 * A service is <em>released</em> (its dependents may start) when it is READY or EXITED. A FAILED service
 * fails every dependent still PENDING, transitively, with a reason naming it; dependents already started
 * keep running. Restarts are the job's business: a service whose job restarts stays in its state until the
 * job ends for good.
 * <p>
 * Listeners get every {@link ServiceChange} in order, one at a time, on a thread of the run's own (never the
 * caller's), so a listener may call back into the run.
 */
public final class SliceRun implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SliceRun.class.getName());
    static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    /** The state of one service of the run. */
    public enum State {
        /** Waiting for the services it comes after. */
        PENDING,
        /** Its job is started; it is not ready yet. */
        STARTING,
        /** It is ready (matched, or ran for its delay) and running: its dependents may start. */
        READY,
        /** It ended successfully (a one-shot's normal end); its dependents may start. */
        EXITED,
        /** It ended unsuccessfully, did not become ready in time, could not start, or a dependency failed. */
        FAILED,
        /** {@link #stop} asked it to stop; waiting for its job to end. */
        STOPPING,
        /** {@link #stop} stopped it, or it never started because the run was stopped. */
        STOPPED;

        /** Whether nothing more happens to the service until the run is stopped. */
        public boolean settled() {
            return this == READY || this == EXITED || this == FAILED || this == STOPPED;
        }

        boolean released() {
            return this == READY || this == EXITED;
        }
    }

    /** A service's bookkeeping; guarded by the run's monitor. */
    private static final class Entry {
        final Slice.Service service;
        final String jobId;
        State state = State.PENDING;
        String reason;
        Instant since = Instant.now();
        boolean launched;
        boolean ended;
        final CompletableFuture<Job> job = new CompletableFuture<>();

        Entry(Slice.Service service, String jobId) {
            this.service = service;
            this.jobId = jobId;
            this.reason = service.after().isEmpty() ? "" : "waiting for " + String.join(", ", service.after());
        }
    }

    private final Slice slice;
    private final Launcher launcher;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final List<Consumer<ServiceChange>> listeners = new CopyOnWriteArrayList<>();
    /** The listeners' thread: changes reach them in order, one at a time, never on the caller's thread. */
    private final SerialExecutor events = new SerialExecutor("slice-events");
    private boolean stopping;

    /** Starts a service's job; the runner's part. */
    interface Launcher {
        Job launch(Slice.Service service, String jobId, SliceRun run);
    }

    SliceRun(Slice slice, String prefix, Launcher launcher, List<Consumer<ServiceChange>> initial) {
        this.slice = slice;
        this.launcher = launcher;
        for (Slice.Service s : slice.services()) {
            entries.put(s.name(), new Entry(s, prefix + s.name()));
        }
        listeners.addAll(initial);
    }

    /**
     * Takes back the services named in {@code running} (their jobs' processes still run, started in order
     * by an earlier daemon): they are launched first, and are READY at once unless they are one-shots,
     * whose end still decides. Then every service free to start is started, as in a fresh run.
     */
    void begin(java.util.Set<String> running) {
        List<Entry> taken = new ArrayList<>();
        synchronized (this) {
            for (Entry e : entries.values()) {
                if (running.contains(e.service.name())) {
                    move(e, State.STARTING, "taken back running");
                    e.launched = true;
                    taken.add(e);
                }
            }
        }
        launch(taken);
        for (Entry e : taken) {
            if (!(e.service.ready() instanceof Slice.Readiness.Exited)) {
                ready(e.service.name(), "taken back running");
            }
        }
        List<Entry> start;
        synchronized (this) {
            start = startable();
        }
        launch(start);
    }

    public Slice slice() {
        return slice;
    }

    /** Adds a listener for the changes from now on. */
    public void addListener(Consumer<ServiceChange> listener) {
        listeners.add(listener);
    }

    public synchronized State state(String service) {
        return entry(service).state;
    }

    public synchronized ServiceStatus status(String service) {
        Entry e = entry(service);
        return new ServiceStatus(service, e.state, e.reason, e.since, e.jobId);
    }

    /** Every service's status, in the slice's order. */
    public synchronized List<ServiceStatus> statuses() {
        return entries.values().stream()
                .map(e -> new ServiceStatus(e.service.name(), e.state, e.reason, e.since, e.jobId)).toList();
    }

    /** The services that failed, in the slice's order. */
    public synchronized List<ServiceStatus> failures() {
        return statuses().stream().filter(s -> s.state() == State.FAILED).toList();
    }

    /** The service's job, once it was started. */
    public Optional<Job> job(String service) {
        Entry e;
        synchronized (this) {
            e = entry(service);
        }
        return Optional.ofNullable(e.job.getNow(null));
    }

    /** Waits until every service is READY, EXITED, FAILED or STOPPED; false if {@code timeout} passed first. */
    public synchronized boolean awaitSettled(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!entries.values().stream().allMatch(e -> e.state.settled())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /**
     * Stops the slice in reverse dependency order, dependents first, one service at a time: each running
     * service gets its job's stop signal, then SIGKILL if it has not ended within {@code grace}, and is
     * waited for before the next one is stopped. Services not started yet never start. Returns when every
     * job of the run has ended and the listeners have been given every change (unless called by a listener);
     * calling it again does nothing more.
     */
    public void stop(Duration grace) throws InterruptedException {
        overseer.core.internal.Durations.requireNonNegative("grace", grace);
        List<Slice.Service> order = new ArrayList<>(slice.startOrder()).reversed();
        synchronized (this) {
            stopping = true;
        }
        for (Slice.Service s : order) {
            Entry e;
            boolean wait;
            synchronized (this) {
                e = entries.get(s.name());
                switch (e.state) {
                    case PENDING -> move(e, State.STOPPED, "the slice was stopped before it started");
                    case STARTING, READY -> move(e, State.STOPPING, "stopping");
                    default -> {
                    }
                }
                wait = (e.launched && !e.ended) || e.state == State.STOPPING;
            }
            if (wait) {
                stopJob(e, grace);
            }
        }
        if (!events.isCurrent()) {
            events.awaitIdle(); // so that when stop returns, the listeners have seen every change
        }
    }

    /** Stops the slice with a 10 s grace per service. */
    @Override
    public void close() {
        try {
            stop(CLOSE_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stopJob(Entry e, Duration grace) throws InterruptedException {
        Job job;
        try {
            job = e.job.get(); // a launch in progress completes it, one way or the other
        } catch (ExecutionException notLaunched) {
            job = null;
        }
        if (job != null && !job.onResult().isDone()) {
            job.kill(job.options().stopSignal(), grace); // SIGKILL after the grace; never restarted
            job.await();
        }
        synchronized (this) {
            if (e.state == State.STOPPING) {
                move(e, State.STOPPED, "stopped");
            }
        }
    }

    // --- events from the runner and the jobs --------------------------------------------------------------

    /** The service's readiness condition was met. */
    void ready(String service, String reason) {
        List<Entry> start;
        synchronized (this) {
            Entry e = entries.get(service);
            if (e.state != State.STARTING) {
                return;
            }
            move(e, State.READY, reason);
            start = startable();
        }
        launch(start);
    }

    /** The service's job ended for good. */
    void ended(String service, JobResult r) {
        List<Entry> start = List.of();
        synchronized (this) {
            Entry e = entries.get(service);
            if (e.ended) {
                return;
            }
            e.ended = true;
            switch (e.state) {
                case STOPPING -> move(e, State.STOPPED, "stopped");
                case STARTING, READY -> {
                    if (r.state() == JobState.SUCCESS) {
                        move(e, State.EXITED, e.state == State.STARTING && !(e.service.ready() instanceof Slice.Readiness.Exited)
                                ? "exited successfully before it was ready" : "exited successfully");
                        start = startable();
                    } else {
                        fail(e, r.summary());
                    }
                }
                default -> {
                    // FAILED already (not ready in time): the job was killed for it
                }
            }
            notifyAll();
        }
        launch(start);
    }

    /** The service did not become ready in time: it fails and its job is killed. */
    void notReady(String service, Duration timeout) {
        Job job = null;
        synchronized (this) {
            Entry e = entries.get(service);
            if (e.state != State.STARTING) {
                return;
            }
            fail(e, "not ready within " + SliceRunner.format(timeout));
            job = e.job.getNow(null);
        }
        if (job != null) {
            job.kill();
        }
    }

    private void fail(Entry e, String reason) {
        move(e, State.FAILED, reason);
        for (Entry d : entries.values()) {
            if (d.state == State.PENDING && d.service.after().contains(e.service.name())) {
                fail(d, "dependency " + e.service.name() + " failed: " + reason);
            }
        }
    }

    /** Marks every PENDING service whose dependencies are all released as STARTING; the caller launches them. */
    private List<Entry> startable() {
        List<Entry> out = new ArrayList<>();
        if (stopping) {
            return out;
        }
        for (Entry e : entries.values()) {
            if (e.state == State.PENDING && e.service.after().stream().allMatch(d -> entries.get(d).state.released())) {
                move(e, State.STARTING, e.service.after().isEmpty() ? "started"
                        : "started after " + String.join(", ", e.service.after()));
                e.launched = true;
                out.add(e);
            }
        }
        return out;
    }

    /** Starts the jobs, outside the monitor: a job may end before run() returns. */
    private void launch(List<Entry> start) {
        for (Entry e : start) {
            try {
                e.job.complete(launcher.launch(e.service, e.jobId, this));
            } catch (RuntimeException ex) {
                e.job.completeExceptionally(ex);
                synchronized (this) {
                    e.ended = true;
                    if (e.state == State.STARTING) {
                        fail(e, "could not start: " + ex.getMessage());
                    } else if (e.state == State.STOPPING) {
                        move(e, State.STOPPED, "stopped");
                    }
                    notifyAll();
                }
            }
        }
    }

    private void move(Entry e, State to, String reason) {
        State from = e.state;
        e.state = to;
        e.reason = reason;
        e.since = Instant.now();
        ServiceChange c = new ServiceChange(e.since, e.service.name(), from, to, reason);
        events.execute(() -> tell(c)); // under the run's monitor: in the order the changes were made
        notifyAll();
    }

    private Entry entry(String service) {
        Entry e = entries.get(service);
        if (e == null) {
            throw OverseerException.notFound("slice has no service named \"%s\"", service);
        }
        return e;
    }

    private void tell(ServiceChange c) {
        for (Consumer<ServiceChange> l : listeners) {
            try {
                l.accept(c);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "slice listener failed: " + ex, ex);
            }
        }
    }

    @Override
    public synchronized String toString() {
        StringBuilder b = new StringBuilder("slice[");
        entries.values().forEach(e -> b.append(e.service.name()).append('=').append(e.state).append(' '));
        return b.toString().strip() + "]";
    }
}
