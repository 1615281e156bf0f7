package overseer.server;

import overseer.wire.LogLimits;
import overseer.core.Envelope;
import overseer.core.Event;
import overseer.core.Exit;
import overseer.core.internal.Identifiers;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.core.spi.StateStore;
import overseer.wire.ServiceSpec;
import overseer.wire.SpecJson;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The daemon's tasks: the core's task list with every change written to the state store before it is
 * acted on, and every exit written by the event bus's journal before any subscriber hears of it (so no
 * burst, slow reader or store hiccup can lose one). Each task is kept by its {@link overseer.wire.Supervision}
 * through {@link Services}; what an earlier daemon left is taken back by {@link TaskRecovery}.
 */
final class TaskService implements AutoCloseable {
    private final LogRotation rotation;
    private static final System.Logger LOG = System.getLogger(TaskService.class.getName());
    /** Event numbers are reserved in the store this many at a time, so a restart never reuses one. */
    static final long EVENT_BLOCK = 10_000;

    private final Tasks tasks;
    private final StateStore store;
    private final Path logs;
    private final RecentEvents recent;
    private final ExitJournal journal;
    private final Services services;
    private final TaskRecovery recovery;
    /** The spec of every task the API made, by namespace/id: the journal records the exits of these only. */
    private final ConcurrentMap<String, ServiceSpec> specs = new ConcurrentHashMap<>();
    /** Deletes the runtime is still finishing, by namespace/id: a daemon that stops waits for them. */
    private final ConcurrentMap<String, CompletableFuture<Void>> releasing = new ConcurrentHashMap<>();
    /** How long a stopping daemon waits for the deletes it began. */
    static final java.time.Duration RELEASE_WAIT = java.time.Duration.ofSeconds(30);

    TaskService(Tasks tasks, StateStore store, Path logs) {
        this.tasks = tasks;
        this.store = store;
        this.logs = PrivateFiles.directory(logs);
        this.rotation = new LogRotation(this.logs, LogLimits.DEFAULT);
        this.services = new Services(this);
        this.recent = new RecentEvents();
        this.journal = new ExitJournal(store, tasks.events().lastSequence(), this::recordExit, this::lifecycle);
        tasks.events().journal(journal);
        this.recovery = new TaskRecovery(this, tasks, store, this.logs, services, specs);
    }

    Tasks tasks() {
        return tasks;
    }

    RecentEvents recent() {
        return recent;
    }

    StateStore store() {
        return store;
    }

    Services services() {
        return services;
    }

    /** Keeps the task logs under logDir within their limits; the logs route reads through it. */
    LogRotation rotation() {
        return rotation;
    }

    Path logDir(String namespace) {
        return logs.resolve(namespace);
    }

    static String key(String namespace, String id) {
        return namespace + "/" + id;
    }

    /** The typed spec the task was created with, with its limits as updated since. */
    ServiceSpec spec(String namespace, String id) {
        ServiceSpec s = specs.get(key(namespace, id));
        if (s == null) {
            throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
        }
        return s;
    }

    /** See {@link TaskRecovery#recover()}. */
    TaskRecovery.Recovery recover() {
        return recovery.recover();
    }

    /** See {@link TaskRecovery#orphans(Orphans)}. */
    void orphans(Orphans policy) {
        recovery.orphans(policy);
    }

    /** The orphans found at start, in the order they were found. */
    List<Orphans.Found> orphans() {
        return recovery.orphans();
    }

    /** The task as the runtime runs it: its output in files under the log directory, which outlive the daemon. */
    TaskSpec runnable(String namespace, ServiceSpec spec) {
        TaskSpec t = spec.task();
        spec.logs().ifPresent(l -> {
            rotation.limits(logDir(namespace).resolve(t.id() + ".out"), l);
            rotation.limits(logDir(namespace).resolve(t.id() + ".err"), l);
        });
        return t.withProcess(logged(t.process(), logDir(namespace), t.id()));
    }

    static ProcessSpec logged(ProcessSpec p, Path logDir, String name) {
        if (p.terminal()) {
            return p; // its output comes through the terminal: the caller attaches, and a sink keeps it
        }
        return p.toBuilder().stdout(Redirect.append(logDir.resolve(name + ".out")))
                .stderr(Redirect.append(logDir.resolve(name + ".err"))).build();
    }

    Task create(String namespace, ServiceSpec spec) {
        Identifiers.require("namespace", namespace);
        requireRuntimeFor(spec.task());
        Instant createdAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // as the store keeps it
        store.createTask(new StateStore.TaskRecord(namespace, spec.id(), tasks.runtime().name(), SpecJson.stored(spec),
                Status.CREATED, 0, 0, Optional.empty(), createdAt));
        try {
            PrivateFiles.directory(logDir(namespace));
            specs.put(key(namespace, spec.id()), spec);
            services.adopt(namespace, spec, StateStore.ServiceState.NEW, List.of(), createdAt);
            Task made = tasks.create(namespace, runnable(namespace, spec));
            LifecycleLog.created(namespace, spec.id());
            return made;
        } catch (RuntimeException e) {
            specs.remove(key(namespace, spec.id()));
            services.forget(namespace, spec.id());
            store.deleteTask(namespace, spec.id());
            throw e;
        }
    }

    private void requireRuntimeFor(TaskSpec spec) {
        if (spec.isolation().isPresent()
                && !tasks.runtime().features().contains(overseer.core.spi.TaskRuntime.Feature.ISOLATION)) {
            throw OverseerException.unavailable(
                    "isolation: this daemon has no OCI runtime (crun or runc, and conmon): isolated tasks cannot run here");
        }
    }

    /**
     * Starts the task. A stopped service (a task with a restart policy) starts again as a new run, as
     * `docker start` does; a plain task keeps containerd's rule ("cannot start a stopped process"). An
     * operator's start clears an earlier stop and a failure.
     */
    Task start(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        if (t.status() == Status.STOPPED && services.restartable(namespace, id)) {
            return services.startAgain(namespace, id);
        }
        services.operatorStart(namespace, id);
        return launch(t);
    }

    /**
     * Spawns the task's init process, recorded so that no crash or store failure leaves a process the store
     * does not know: RUNNING with pid 0 before the spawn, the pid after; if that second write fails the
     * process is killed and the start refused.
     */
    Task launch(Task t) {
        String namespace = t.namespace();
        String id = t.id();
        store.starting(namespace, id, Instant.now());
        services.starting(namespace, id);
        try {
            t.start();
        } catch (RuntimeException e) {
            store.transition(namespace, id, t.status(), t.pid(), 0, Instant.now());
            throw e;
        }
        try {
            // A quick exit may be recorded already: this write leaves its STOPPED as it is.
            store.started(namespace, id, t.pid(), t.startTime(), Instant.now());
        } catch (RuntimeException storeFailed) {
            // Not known to the store, so not allowed to run: after a crash nobody could account for it.
            t.kill(Signal.SIGKILL, true);
            throw OverseerException.unavailable("state store: cannot record the start of %s/%s, so it was stopped: %s",
                    namespace, id, storeFailed.getMessage());
        }
        services.started(namespace, id);
        return t;
    }

    void pause(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        store.transition(namespace, id, Status.PAUSING, t.pid(), t.startTime(), Instant.now());
        try {
            t.pause();
        } finally {
            store.transition(namespace, id, t.status(), t.pid(), t.startTime(), Instant.now());
        }
    }

    void resume(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        t.resume();
        store.transition(namespace, id, t.status(), t.pid(), t.startTime(), Instant.now());
    }

    /** containerd's Update; the new limits are persisted with the spec, so that restarts keep them. */
    Task update(String namespace, String id, Resources update) {
        Task t = tasks.get(namespace, id);
        t.update(update);
        ServiceSpec updated = spec(namespace, id).withTask(spec(namespace, id).task().withResources(t.resources()));
        store.spec(namespace, id, SpecJson.stored(updated));
        specs.put(key(namespace, id), updated);
        services.respec(namespace, updated);
        return t;
    }

    /**
     * Deletes the task, recorded before it is acted on: the pending delete (with the task's spec) stays in the
     * store until the runtime has removed everything, which for a container happens in the background after
     * this returns. A daemon that stops waits for those (see {@link #close()}); one killed leaves them to the
     * next, which finishes them before it takes back any task ({@link TaskRecovery#recover()}).
     */
    void delete(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        // Refused before the service is forgotten: a running task that cannot be deleted stays supervised.
        overseer.core.Lifecycle.check(overseer.core.Lifecycle.Op.DELETE, t.status());
        Instant requested = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        store.deleteRequested(namespace, id, requested);
        services.forget(namespace, id);
        List<String> logged = loggedNames(t);
        try {
            t.delete();
        } catch (RuntimeException e) {
            store.deleteFinished(namespace, id, requested);
            throw e;
        }
        // Nothing writes them now (the task has stopped, its output has been copied), and no task of the name
        // can be made before its row goes.
        removeLogs(namespace, logged);
        store.deleteTask(namespace, id);
        specs.remove(key(namespace, id));
        LifecycleLog.deleted(namespace, id);
        String k = key(namespace, id);
        CompletableFuture<Void> done = new CompletableFuture<>();
        releasing.put(k, done);
        tasks.runtime().released(namespace, id).whenComplete((v, failure) -> {
            try {
                if (failure == null) {
                    store.deleteFinished(namespace, id, requested);
                } else {
                    warn("delete of " + k + " not finished, the next daemon finishes it: " + failure.getMessage());
                }
            } catch (RuntimeException storeDown) {
                warn("delete of " + k + " finished, but the store cannot say so: " + storeDown.getMessage());
            } finally {
                releasing.remove(k, done);
                done.complete(null);
            }
        });
    }

    /** The names of the task's log files: its own ({@code ID.out}, {@code .err}) and each exec's ({@code ID.EXEC.out}). */
    static List<String> loggedNames(Task t) {
        List<String> names = new java.util.ArrayList<>(List.of(t.id()));
        t.execs().forEach(p -> names.add(t.id() + "." + p.id()));
        return names;
    }

    /**
     * A deleted task's output goes with it, as a removed container's log does in docker: a task made again under
     * the same name starts with empty logs, and the daemon keeps no file it can no longer serve.
     */
    void removeLogs(String namespace, List<String> names) {
        for (String name : names) {
            for (String stream : List.of(".out", ".err")) {
                Path file = logDir(namespace).resolve(name + stream);
                try {
                    rotation.remove(file);
                } catch (java.io.IOException e) {
                    warn("delete of " + key(namespace, names.getFirst()) + ": cannot remove " + file + ": " + e.getMessage());
                }
            }
        }
    }

    /** A count of init exits, by task and exit code, since the daemon started: /metrics's exits series. */
    record ExitKey(String namespace, String id, int code) {
    }

    private final java.util.concurrent.ConcurrentMap<ExitKey, java.util.concurrent.atomic.LongAdder> exits =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** OOM kills of each task's processes since the daemon started, by namespace/id: /metrics's OOM series. */
    private final ConcurrentMap<String, java.util.concurrent.atomic.LongAdder> ooms = new ConcurrentHashMap<>();

    long oomKills(String namespace, String id) {
        java.util.concurrent.atomic.LongAdder n = ooms.get(key(namespace, id));
        return n == null ? 0 : n.sum();
    }

    /**
     * The journal's word of every event, before any subscriber's: kept for replays; a start of a task the API
     * made is logged (here, in the bus's order, not after the spawn returns: a quick exit is published before
     * that); an OOM kill counted (kept past the run) and logged.
     */
    private void lifecycle(Envelope env) {
        recent.add(env);
        switch (env.event()) {
            case Event.TaskStart s when specs.containsKey(key(env.namespace(), s.taskId())) ->
                    LifecycleLog.started(env.namespace(), s.taskId(), s.pid());
            case Event.TaskOOM o when specs.containsKey(key(env.namespace(), o.taskId())) -> {
                ooms.computeIfAbsent(key(env.namespace(), o.taskId()), k -> new java.util.concurrent.atomic.LongAdder())
                        .increment();
                LifecycleLog.oomKill(env.namespace(), o.taskId());
            }
            default -> {
            }
        }
    }

    java.util.Map<ExitKey, Long> exitCounts() {
        java.util.Map<ExitKey, Long> out = new java.util.TreeMap<>(java.util.Comparator.comparing(ExitKey::namespace)
                .thenComparing(ExitKey::id).thenComparingInt(ExitKey::code));
        exits.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** The journal's hand: an exit of a task the API made goes to the store, then to its supervision. */
    private boolean recordExit(Envelope env) {
        if (env.event() instanceof Event.TaskExit e && specs.containsKey(key(env.namespace(), e.taskId()))) {
            recordExit(env.namespace(), e.taskId(), e.execId(), e.exit());
            return true;
        }
        return false;
    }

    void recordExit(String namespace, String id, String execId, Exit exit) {
        boolean fresh;
        try {
            fresh = store.exited(namespace, id, execId, exit);
        } catch (OverseerException e) {
            if (e.kind() == overseer.core.ErrorKind.NOT_FOUND) {
                return; // deleted meanwhile
            }
            throw e;
        }
        if (fresh && execId.equals(id)) {
            exits.computeIfAbsent(new ExitKey(namespace, id, exit.exitCode()), k -> new java.util.concurrent.atomic.LongAdder())
                    .increment();
            services.exited(namespace, id, exit); // and logged there, in order with its restart
        }
    }

    /**
     * Stops supervising. The deletes begun are waited for (a container's runtime state and cgroups go in the
     * background) up to {@link #RELEASE_WAIT}; any not finished by then stays recorded for the next daemon.
     */
    @Override
    public void close() {
        rotation.close();
        services.close();
        awaitReleases();
        journal.close();
        recent.close();
    }

    private void awaitReleases() {
        if (releasing.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(releasing.values().toArray(CompletableFuture[]::new))
                    .get(RELEASE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            warn(releasing.size() + " deletes not finished within " + RELEASE_WAIT.toSeconds()
                    + "s: the next daemon finishes them: " + String.join(", ", releasing.keySet()));
        } catch (java.util.concurrent.ExecutionException e) {
            // each one's failure was logged as it came
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }
}
