package overseer.server;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.spi.StateStore;
import overseer.wire.RestartPolicy;
import overseer.wire.ServiceSpec;
import overseer.wire.Supervision;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Supervision of the daemon's tasks: restart with backoff by policy, the start limit, an operator's stop,
 * the maximum run time and the health check. Its state is written to the store before it is acted on, and
 * {@link #recovered} re-arms it after a daemon restart. A run's deadline and health probes are {@link RunWatches}'.
 */
final class Services implements AutoCloseable {
    static final int PAST_EXITS = 10;

    /** A service's state as `ps` and `inspect` show it. */
    enum State {
        CREATED, RUNNING, RESTARTING, EXITED, STOPPED, FAILED;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What `inspect` shows of a task's supervision. */
    record View(ServiceSpec spec, State state, int restarts, List<Exit> lastExits, Optional<Instant> nextRestartAt,
                Optional<String> failure, Optional<Instant> startedAt, String health, Instant createdAt) {
    }

    private final TaskService tasks;
    private final ConcurrentMap<String, KeptService> kept = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("service-timer").factory());
    private final HealthProbe health;

    private final RunWatches watches;

    Services(TaskService tasks) {
        this.tasks = tasks;
        this.health = new HealthProbe(tasks);
        this.watches = new RunWatches(this, tasks, health, timer);
    }

    private StateStore store() {
        return tasks.store();
    }

    private KeptService kept(String namespace, String id) {
        KeptService k = kept.get(TaskService.key(namespace, id));
        if (k == null) {
            throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
        }
        return k;
    }

    /** The task's supervision, or null once it is forgotten (or was never kept). */
    KeptService find(String namespace, String id) {
        return kept.get(TaskService.key(namespace, id));
    }

    void adopt(String namespace, ServiceSpec spec, StateStore.ServiceState state, List<Exit> past, Instant createdAt) {
        kept.put(TaskService.key(namespace, spec.id()), new KeptService(namespace, spec, state, past, createdAt));
    }

    void respec(String namespace, ServiceSpec spec) {
        KeptService k = kept(namespace, spec.id());
        synchronized (k) {
            k.spec = spec;
        }
    }

    void forget(String namespace, String id) {
        KeptService k = kept.remove(TaskService.key(namespace, id));
        if (k != null) {
            synchronized (k) {
                k.gone = true;
                k.disarm();
            }
        }
    }

    boolean restartable(String namespace, String id) {
        KeptService k = kept(namespace, id);
        synchronized (k) {
            return k.policy().mode() != RestartPolicy.Mode.NO;
        }
    }

    /** An operator's start: an earlier stop and failure no longer hold. */
    void operatorStart(String namespace, String id) {
        KeptService k = kept(namespace, id);
        synchronized (k) {
            if (k.state.operatorStopped() || k.state.failure().isPresent()) {
                setState(k, id, new StateStore.ServiceState(k.state.restarts(), false, Optional.empty()));
            }
            k.streak = 0;
            k.starts.clear();
        }
    }

    /** A run is about to be spawned: it counts toward the start limit before its exit can come. */
    void starting(String namespace, String id) {
        KeptService k = kept.get(TaskService.key(namespace, id));
        if (k == null) {
            return;
        }
        synchronized (k) {
            k.run++;
            k.ended = false;
            k.startedAt = Instant.now();
            k.starts.addLast(k.startedAt);
            k.outFrom = health.logSize(namespace, id, ".out");
            k.errFrom = health.logSize(namespace, id, ".err");
        }
    }

    /** The run is spawned: its maximum run time and its health are watched, unless it ended already. */
    void started(String namespace, String id) {
        KeptService k = kept.get(TaskService.key(namespace, id));
        if (k == null) {
            return;
        }
        synchronized (k) {
            if (!k.ended) {
                watches.armWatches(k, namespace, id);
            }
        }
    }

    /**
     * The init process ended (its exit is in the store): its restart policy decides what follows. An
     * operator's stop and a failure are never overridden.
     */
    void exited(String namespace, String id, Exit exit) {
        KeptService k = kept.get(TaskService.key(namespace, id));
        if (k == null) {
            return;
        }
        synchronized (k) {
            k.ended = true;
            k.disarm();
            k.past.addFirst(exit);
            while (k.past.size() > PAST_EXITS) {
                k.past.removeLast();
            }
            // Logged once its past runs have it, and under k's monitor: before any "task restarted" of this exit.
            LifecycleLog.exited(namespace, id, exit);
            if (k.gone || k.state.operatorStopped() || k.state.failure().isPresent()) {
                return;
            }
            schedule(k, id, exit);
        }
    }

    /** Under k's monitor: arms the next restart, or fails the service at its start limit. */
    private void schedule(KeptService k, String id, Exit exit) {
        RestartPolicy p = k.policy();
        if (k.startedAt != null && Duration.between(k.startedAt, exit.exitedAt()).compareTo(p.resetAfter()) >= 0) {
            k.streak = 0; // it ran long enough: the next restart is quick again
        }
        if (!p.restarts(exit, k.state.restarts())) {
            return;
        }
        Instant now = Instant.now();
        while (!k.starts.isEmpty() && k.starts.peekFirst().isBefore(now.minus(p.startLimitInterval()))) {
            k.starts.removeFirst();
        }
        if (p.startLimitBurst() > 0 && k.starts.size() >= p.startLimitBurst()) {
            String why = "start limit hit: " + k.starts.size() + " starts within " + overseer.wire.Json.text(p.startLimitInterval())
                    + ", the last " + exit;
            setState(k, id, new StateStore.ServiceState(k.state.restarts(), false, Optional.of(why)));
            LifecycleLog.failed(k.namespace, id, why);
            return;
        }
        k.streak++;
        Duration delay = p.delay(k.streak);
        k.delay = delay;
        k.nextRestartAt = now.plus(delay);
        k.restart = later(() -> restart(k.namespace, id, false), delay);
    }

    /** A new run of a stopped service on an operator's start ({@code docker start}). */
    Task startAgain(String namespace, String id) {
        operatorStart(namespace, id);
        return restart(namespace, id, true).orElseThrow(
                () -> OverseerException.failedPrecondition("task %s/%s: cannot start it again", namespace, id));
    }

    /**
     * Starts a new run of the task: the last exit goes to its past runs, the core's task is made again from
     * the spec, and started. A policy restart counts; an operator's does not (as in docker).
     */
    private Optional<Task> restart(String namespace, String id, boolean byOperator) {
        KeptService k = kept.get(TaskService.key(namespace, id));
        if (k == null) {
            return Optional.empty();
        }
        ServiceSpec spec;
        synchronized (k) {
            k.restart = null;
            k.nextRestartAt = null;
            if (k.gone || (!byOperator && (k.state.operatorStopped() || k.state.failure().isPresent()))) {
                return Optional.empty();
            }
            StateStore.ServiceState next = new StateStore.ServiceState(k.state.restarts() + (byOperator ? 0 : 1), false,
                    Optional.empty());
            store().restarting(namespace, id, next, Instant.now());
            k.state = next;
            spec = k.spec;
            if (!byOperator) {
                LifecycleLog.restarted(namespace, id, next.restarts(), k.delay);
            }
        }
        try {
            Task fresh = tasks.tasks().replace(namespace, tasks.runnable(namespace, spec));
            return Optional.of(tasks.launch(fresh));
        } catch (RuntimeException e) {
            // It cannot run any more (its binary is gone, its limits are refused): a failure, not a loop.
            synchronized (k) {
                setState(k, id, new StateStore.ServiceState(k.state.restarts(), false,
                        Optional.of("restart failed: " + e.getMessage())));
            }
            LifecycleLog.failed(namespace, id, "restart failed: " + e.getMessage());
            if (byOperator) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /**
     * An operator's stop: no policy starts the task again (until an operator starts it); the stop signal,
     * then SIGKILL to every process after the grace. Returns the exit.
     */
    Optional<Exit> stop(String namespace, String id) throws InterruptedException {
        return stop(namespace, id, Optional.empty());
    }

    /** An operator's stop, with {@code grace} instead of the task's own when given (docker stop -t). */
    Optional<Exit> stop(String namespace, String id, Optional<Duration> grace) throws InterruptedException {
        KeptService k = kept(namespace, id);
        Supervision s;
        synchronized (k) {
            k.disarm();
            setState(k, id, new StateStore.ServiceState(k.state.restarts(), true, k.state.failure()));
            Supervision own = k.spec.supervision();
            s = grace.map(g -> own.withStop(own.stopSignal(), g)).orElse(own);
        }
        Task t = tasks.tasks().get(namespace, id);
        if (t.status() == Status.RUNNING || t.status() == Status.PAUSED) {
            if (t.status() == Status.PAUSED) {
                t.resume();
            }
            return Optional.of(RunWatches.shutdown(t, s));
        }
        return t.exit();
    }

    /** `restart`: stop (no policy restarts it meanwhile), then start a new run. */
    Task restartNow(String namespace, String id, Optional<Duration> grace) throws InterruptedException {
        stop(namespace, id, grace);
        Task t = tasks.tasks().get(namespace, id);
        if (t.status() == Status.CREATED) {
            operatorStart(namespace, id);
            return tasks.launch(t);
        }
        return startAgain(namespace, id);
    }

    /**
     * After a daemon restart, once the task is taken back: a service that ended while no daemon watched
     * has its policy applied now; one caught between the records of a restart is started; `always` comes
     * back even after an operator's stop (docker's meaning), `unless-stopped` does not.
     */
    void recovered(String namespace, String id, Status recorded, Optional<Exit> exit) {
        KeptService k = kept(namespace, id);
        synchronized (k) {
            if (k.policy().mode() == RestartPolicy.Mode.ALWAYS && k.state.operatorStopped()) {
                setState(k, id, new StateStore.ServiceState(k.state.restarts(), false, k.state.failure()));
                if (recorded == Status.STOPPED) {
                    k.restart = later(() -> restart(namespace, id, true), Duration.ZERO);
                    return;
                }
            }
            if (k.state.operatorStopped() || k.state.failure().isPresent() || k.policy().mode() == RestartPolicy.Mode.NO) {
                return;
            }
            if (recorded == Status.STOPPED && exit.isPresent()) {
                schedule(k, id, exit.get());
            } else if (recorded == Status.CREATED && k.state.restarts() > 0) {
                k.restart = later(() -> {
                    try {
                        tasks.launch(tasks.tasks().get(namespace, id));
                    } catch (RuntimeException e) {
                        TaskService.warn(TaskService.key(namespace, id) + ": cannot finish its restart: " + e.getMessage());
                    }
                }, Duration.ZERO);
            } else if (recorded == Status.RUNNING || recorded == Status.PAUSED) {
                k.run++;
                k.startedAt = Instant.now();
                watches.armWatches(k, namespace, id);
            }
        }
    }

    /** Runs {@code work} on a virtual thread after {@code delay}; nothing once the daemon is closing. */
    ScheduledFuture<?> later(Runnable work, Duration delay) {
        if (timer.isShutdown()) {
            return null;
        }
        try {
            return timer.schedule(() -> Thread.ofVirtual().start(work), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return null;
        }
    }

    private void setState(KeptService k, String id, StateStore.ServiceState next) {
        store().service(k.namespace, id, next);
        k.state = next;
    }

    View view(Task t) {
        KeptService k = kept.get(TaskService.key(t.namespace(), t.id()));
        if (k == null) {
            throw OverseerException.notFound("task does not exist: %s/%s", t.namespace(), t.id());
        }
        synchronized (k) {
            State state = k.state.failure().isPresent() ? State.FAILED
                    : k.nextRestartAt != null ? State.RESTARTING
                    : switch (t.status()) {
                        case CREATED -> State.CREATED;
                        case RUNNING, PAUSED, PAUSING -> State.RUNNING;
                        default -> k.state.operatorStopped() ? State.STOPPED : State.EXITED;
                    };
            return new View(k.spec, state, k.state.restarts(), new ArrayList<>(k.past), Optional.ofNullable(k.nextRestartAt),
                    k.state.failure(), Optional.ofNullable(k.startedAt), k.health, k.createdAt);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
