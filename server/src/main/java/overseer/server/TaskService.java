package overseer.server;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The daemon's tasks: the core's task list with every change written to the state store before it is
 * acted on, and every exit written by the event bus's journal before any subscriber hears of it (so no
 * burst, slow reader or store hiccup can lose one). Each task is kept by its {@link overseer.wire.Supervision}
 * through {@link Services}.
 */
final class TaskService implements AutoCloseable {
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

    TaskService(Tasks tasks, StateStore store, Path logs) {
        this.tasks = tasks;
        this.store = store;
        this.logs = PrivateFiles.directory(logs);
        this.services = new Services(this);
        this.journal = new ExitJournal(store, tasks.events().lastSequence(), this::recordExit);
        tasks.events().journal(journal);
        this.recent = new RecentEvents(tasks.events());
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
     * /tasks/exit, no new exitedAt). Returns what could not be taken back, one line each.
     */
    List<String> recover() {
        List<String> lost = new ArrayList<>();
        for (StateStore.TaskRecord r : store.tasks()) {
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
                } else {
                    Task t = tasks.reattach(r.namespace(), runnable(r.namespace(), spec), r.pid(), r.startTime(), r.exit());
                    if (r.pid() == 0 && t.pid() > 0 && r.exit().isEmpty()) {
                        // Found by the runtime although the crash came before its pid was written: now it is.
                        store.started(r.namespace(), r.id(), t.pid(), ProcStart.of(t.pid()), Instant.now());
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
        return lost;
    }

    /** The task as the runtime runs it: its output in files under the log directory, which outlive the daemon. */
    TaskSpec runnable(String namespace, ServiceSpec spec) {
        TaskSpec t = spec.task();
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
            return tasks.create(namespace, runnable(namespace, spec));
        } catch (RuntimeException e) {
            specs.remove(key(namespace, spec.id()));
            services.forget(namespace, spec.id());
            store.deleteTask(namespace, spec.id());
            throw e;
        }
    }

    private void requireRuntimeFor(TaskSpec spec) {
        if (spec.isolation().isPresent()
                && !tasks.runtime().features().contains(overseer.core.spi.Runtime.Feature.ISOLATION)) {
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
            store.started(namespace, id, t.pid(), ProcStart.of(t.pid()), Instant.now());
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
        store.transition(namespace, id, Status.PAUSING, t.pid(), ProcStart.of(t.pid()), Instant.now());
        try {
            t.pause();
        } finally {
            store.transition(namespace, id, t.status(), t.pid(), ProcStart.of(t.pid()), Instant.now());
        }
    }

    void resume(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        t.resume();
        store.transition(namespace, id, t.status(), t.pid(), ProcStart.of(t.pid()), Instant.now());
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

    void delete(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        // Refused before the service is forgotten: a running task that cannot be deleted stays supervised.
        overseer.core.Lifecycle.check(overseer.core.Lifecycle.Op.DELETE, t.status());
        services.forget(namespace, id);
        t.delete();
        store.deleteTask(namespace, id);
        specs.remove(key(namespace, id));
    }

    /** A count of init exits, by task and exit code, since the daemon started: /metrics's exits series. */
    record ExitKey(String namespace, String id, int code) {
    }

    private final java.util.concurrent.ConcurrentMap<ExitKey, java.util.concurrent.atomic.LongAdder> exits =
            new java.util.concurrent.ConcurrentHashMap<>();

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
            services.exited(namespace, id, exit);
        }
    }

    @Override
    public void close() {
        services.close();
        journal.close();
        recent.close();
    }

    static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }
}
