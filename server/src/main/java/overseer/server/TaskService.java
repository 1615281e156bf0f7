package overseer.server;

import overseer.wire.LogLimits;
import overseer.core.Envelope;
import overseer.core.Event;
import overseer.core.Exit;
import overseer.core.Identifiers;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The daemon's tasks: the core's task list with every change written to the state store before it is
 * acted on, and every exit written by the event bus's journal before any subscriber hears of it (so no
 * burst, slow reader or store hiccup can lose one). Each task is kept by its {@link overseer.wire.Supervision}
 * through {@link Services}.
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
    /** The spec of every task the API made, by namespace/id: the journal records the exits of these only. */
    private final ConcurrentMap<String, ServiceSpec> specs = new ConcurrentHashMap<>();
    private final List<Orphans.Found> orphans = new java.util.concurrent.CopyOnWriteArrayList<>();
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

    /**
     * After a restart: every task the store knows is taken back (Nomad's Open) and its supervision re-armed.
     * A task never started is created again; any other is reattached through the runtime, which publishes
     * the exit it missed when it can know it. An exit recorded already stands as it was (no second
     * /tasks/exit, no new exitedAt). Returns what it found, with what could not be taken back, one line each.
     */
    Recovery recover() {
        List<String> lost = new ArrayList<>();
        int all = 0;
        int readopted = 0;
        int exitedWhileDown = 0;
        int alreadyExited = 0;
        int created = 0;
        finishDeletes(lost);
        for (StateStore.TaskRecord r : store.tasks()) {
            all++;
            ServiceSpec spec;
            try {
                spec = SpecJson.fromStore(r.spec());
            } catch (OverseerException e) {
                lost.add(key(r.namespace(), r.id()) + ": its stored spec cannot be read: " + e.getMessage());
                continue;
            }
            specs.put(key(r.namespace(), r.id()), spec);
            List<Exit> last = new ArrayList<>();
            r.exit().ifPresent(last::add);
            last.addAll(store.pastExits(r.namespace(), r.id(), Services.PAST_EXITS - last.size()));
            services.adopt(r.namespace(), spec, r.service(), last, r.createdAt());
            try {
                if (r.status() == Status.CREATED) {
                    tasks.create(r.namespace(), runnable(r.namespace(), spec));
                    created++;
                } else {
                    Task t = tasks.reattach(r.namespace(), runnable(r.namespace(), spec), r.pid(), r.startTime(), r.exit());
                    if (r.pid() == 0 && t.pid() > 0 && r.exit().isEmpty()) {
                        // Found by the runtime although the crash came before its pid was written: now it is.
                        store.started(r.namespace(), r.id(), t.pid(), t.startTime(), Instant.now());
                    }
                    if (r.exit().isPresent()) {
                        alreadyExited++;
                    } else if (t.exit().isPresent() || (r.pid() > 0 && r.startTime() > 0 && overseer.linux.ProcStat.startTime(r.pid()) != r.startTime())) {
                        // The runtime knew (the monitor's record), or the process it recorded is gone (its exit is
                        // published as the runtime finds out): either way it ended while no daemon watched.
                        exitedWhileDown++;
                    } else {
                        readopted++;
                    }
                }
            } catch (RuntimeException e) {
                lost.add(key(r.namespace(), r.id()) + ": " + e.getMessage());
                if (r.exit().isEmpty()) {
                    recordExit(r.namespace(), r.id(), r.id(), Exit.unknown(Instant.now()));
                }
                continue;
            }
            services.recovered(r.namespace(), r.id(), r.status(), r.exit());
        }
        return new Recovery(all, readopted, exitedWhileDown, alreadyExited, created, List.copyOf(lost));
    }

    /**
     * What {@link #recover()} found in the store: running tasks taken back, tasks that ended while no daemon
     * ran (their exit published now), ended before, never started (made again), and those it could not take back.
     */
    record Recovery(int tasks, int readopted, int exitedWhileDown, int alreadyExited, int created, List<String> lost) {
    }

    /**
     * At start, after {@link #recover()}: every task the runtime finds on the host that neither the store
     * nor the job ledger knows is reported (a warning each, and {@link #orphans()}) and stopped or adopted as
     * {@code policy} says. Jobs' tasks (namespace "jobs", named by job id) are the ledger's to take back.
     */
    void orphans(Orphans policy) {
        java.util.Set<String> jobs = new java.util.HashSet<>();
        store.jobs().forEach(j -> jobs.add(key(overseer.supervisor.Supervisor.NAMESPACE, j.id())));
        for (overseer.core.spi.TaskRuntime.Found f : tasks.runtime().found()) {
            String k = key(f.namespace(), f.id());
            if (specs.containsKey(k) || jobs.contains(k) || store.task(f.namespace(), f.id()).isPresent() || !ours(f)) {
                continue;
            }
            String action;
            try {
                if (policy == Orphans.ADOPT) {
                    adoptOrphan(f);
                    action = "adopted";
                } else {
                    tasks.runtime().purge(f.namespace(), f.spec());
                    action = "stopped";
                }
            } catch (RuntimeException e) {
                action = "left as it is: " + e.getMessage();
            }
            LOG.log(System.Logger.Level.WARNING, "orphan: " + k + (f.pid() > 0 ? " (pid " + f.pid() + ")" : " (not running)")
                    + " in " + f.where() + " is not in the store: " + action);
            orphans.add(new Orphans.Found(f.namespace(), f.id(), f.pid(), f.where(), action, Instant.now()));
        }
    }

    /**
     * Whether this daemon started the task: an isolated one is in its own state directory; a host one has
     * its output in this daemon's log directory (/proc/PID/fd/1 or 2), the marker every task it spawns
     * carries. Another daemon's tasks under the same cgroup parent are not ours to touch, nor is a task with
     * a terminal (its output goes through the terminal, not a log file).
     */
    private boolean ours(overseer.core.spi.TaskRuntime.Found f) {
        if (f.spec().isolation().isPresent()) {
            return true;
        }
        Path mine;
        try {
            mine = logs.toRealPath();
        } catch (java.io.IOException e) {
            return false;
        }
        for (String fd : List.of("1", "2")) {
            try {
                Path out = java.nio.file.Files.readSymbolicLink(Path.of("/proc", Long.toString(f.pid()), "fd", fd));
                if (out.startsWith(mine)) {
                    return true;
                }
            } catch (java.io.IOException | RuntimeException gone) {
                // closed, or the process is gone
            }
        }
        return false;
    }

    /** The orphans found at start, in the order they were found. */
    List<Orphans.Found> orphans() {
        return List.copyOf(orphans);
    }

    /** Recorded first, as any task is, then taken back through the runtime as a restart does. */
    private void adoptOrphan(overseer.core.spi.TaskRuntime.Found f) {
        Identifiers.require("namespace", f.namespace());
        Identifiers.require("id", f.id());
        ServiceSpec spec = ServiceSpec.of(f.spec());
        Instant now = Instant.now();
        store.createTask(new StateStore.TaskRecord(f.namespace(), f.id(), tasks.runtime().name(), SpecJson.stored(spec),
                Status.RUNNING, f.pid(), f.startTime(), Optional.empty(), now));
        String k = key(f.namespace(), f.id());
        specs.put(k, spec);
        services.adopt(f.namespace(), spec, StateStore.ServiceState.NEW, List.of(), now);
        try {
            tasks.reattach(f.namespace(), runnable(f.namespace(), spec), f.pid(), f.startTime(), Optional.empty());
        } catch (RuntimeException e) {
            specs.remove(k);
            services.forget(f.namespace(), f.id());
            store.deleteTask(f.namespace(), f.id());
            throw e;
        }
        services.recovered(f.namespace(), f.id(), Status.RUNNING, Optional.empty());
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
        store.transition(namespace, id, Status.RUNNING, 0, 0, Instant.now());
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
     * next, which finishes them before it takes back any task ({@link #recover()}).
     */
    void delete(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        // Refused before the service is forgotten: a running task that cannot be deleted stays supervised.
        overseer.core.Lifecycle.check(overseer.core.Lifecycle.Op.DELETE, t.status());
        Instant requested = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        store.deleteRequested(namespace, id, requested);
        services.forget(namespace, id);
        try {
            t.delete();
        } catch (RuntimeException e) {
            store.deleteFinished(namespace, id, requested);
            throw e;
        }
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

    /**
     * What a daemon stopped or killed in the middle of deletes left: each is finished (the runtime removes
     * the task's processes, state, cgroups and files) and forgotten. A pending delete older than a task of
     * the same name recorded since was finished before that task was made: it is only forgotten.
     */
    private void finishDeletes(List<String> lost) {
        for (StateStore.PendingDelete d : store.pendingDeletes()) {
            String k = key(d.namespace(), d.id());
            Optional<StateStore.TaskRecord> row = store.task(d.namespace(), d.id());
            try {
                if (row.isEmpty() || !row.get().createdAt().isAfter(d.requestedAt())) {
                    ServiceSpec spec = SpecJson.fromStore(d.spec());
                    tasks.runtime().purge(d.namespace(), runnable(d.namespace(), spec));
                    if (row.isPresent()) {
                        store.deleteTask(d.namespace(), d.id()); // cut before its row went
                    }
                    LOG.log(System.Logger.Level.INFO, "finished the delete of " + k + " requested at " + d.requestedAt());
                }
                store.deleteFinished(d.namespace(), d.id(), d.requestedAt());
            } catch (RuntimeException e) {
                lost.add(k + ": its delete, requested at " + d.requestedAt() + ", cannot be finished: " + e.getMessage());
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

    private void recordExit(String namespace, String id, String execId, Exit exit) {
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
