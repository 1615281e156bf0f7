package overseer.server;

import overseer.core.Exit;
import overseer.core.ErrorKind;
import overseer.core.internal.Identifiers;
import overseer.core.OverseerException;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.Tasks;
import overseer.core.spi.StateStore;
import overseer.wire.ServiceSpec;
import overseer.wire.SpecJson;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;

/**
 * A starting daemon's taking back of what an earlier one left: the store's tasks (re-armed), its unfinished
 * deletes and the runtime's orphans; separate from {@link TaskService} because it runs once, at start.
 */
final class TaskRecovery {
    private static final System.Logger LOG = System.getLogger(TaskService.class.getName());

    private final TaskService owner;
    private final Tasks tasks;
    private final StateStore store;
    private final Path logs;
    private final Services services;
    /** The owner's specs by namespace/id: what the API made and what is taken back is added here. */
    private final ConcurrentMap<String, ServiceSpec> specs;
    private final List<Orphans.Found> orphans = new java.util.concurrent.CopyOnWriteArrayList<>();

    TaskRecovery(TaskService owner, Tasks tasks, StateStore store, Path logs, Services services,
            ConcurrentMap<String, ServiceSpec> specs) {
        this.owner = owner;
        this.tasks = tasks;
        this.store = store;
        this.logs = logs;
        this.services = services;
        this.specs = specs;
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
                lost.add(TaskService.key(r.namespace(), r.id()) + ": its stored spec cannot be read: " + e.getMessage());
                continue;
            }
            specs.put(TaskService.key(r.namespace(), r.id()), spec);
            List<Exit> last = new ArrayList<>();
            r.exit().ifPresent(last::add);
            last.addAll(store.pastExits(r.namespace(), r.id(), Services.PAST_EXITS - last.size()));
            services.adopt(r.namespace(), spec, r.service(), last, r.createdAt());
            try {
                if (r.status() == Status.CREATED) {
                    tasks.create(r.namespace(), owner.runnable(r.namespace(), spec));
                    created++;
                } else {
                    Task t = tasks.reattach(r.namespace(), owner.runnable(r.namespace(), spec), r.pid(), r.startTime(), r.exit());
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
                if (e instanceof OverseerException o && o.kind() == ErrorKind.UNAVAILABLE) {
                    // Not watchable now (no descriptor left, its runtime gone): whether it still runs is not
                    // known, so no exit is invented; its record stays as it is, for the next start to take back.
                    lost.add(TaskService.key(r.namespace(), r.id()) + ": " + e.getMessage()
                            + " (left as recorded: the next start tries again)");
                    continue;
                }
                lost.add(TaskService.key(r.namespace(), r.id()) + ": " + e.getMessage());
                if (r.exit().isEmpty()) {
                    owner.recordExit(r.namespace(), r.id(), r.id(), Exit.unknown(Instant.now()));
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
        store.jobs().forEach(j -> jobs.add(TaskService.key(overseer.supervisor.Supervisor.NAMESPACE, j.id())));
        for (overseer.core.spi.TaskRuntime.Found f : tasks.runtime().found()) {
            String k = TaskService.key(f.namespace(), f.id());
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
        String k = TaskService.key(f.namespace(), f.id());
        specs.put(k, spec);
        services.adopt(f.namespace(), spec, StateStore.ServiceState.NEW, List.of(), now);
        try {
            tasks.reattach(f.namespace(), owner.runnable(f.namespace(), spec), f.pid(), f.startTime(), Optional.empty());
        } catch (RuntimeException e) {
            specs.remove(k);
            services.forget(f.namespace(), f.id());
            store.deleteTask(f.namespace(), f.id());
            throw e;
        }
        services.recovered(f.namespace(), f.id(), Status.RUNNING, Optional.empty());
    }

    /**
     * What a daemon stopped or killed in the middle of deletes left: each is finished (the runtime removes
     * the task's processes, state, cgroups and files) and forgotten. A pending delete older than a task of
     * the same name recorded since was finished before that task was made: it is only forgotten.
     */
    private void finishDeletes(List<String> lost) {
        for (StateStore.PendingDelete d : store.pendingDeletes()) {
            String k = TaskService.key(d.namespace(), d.id());
            Optional<StateStore.TaskRecord> row = store.task(d.namespace(), d.id());
            try {
                if (row.isEmpty() || !row.get().createdAt().isAfter(d.requestedAt())) {
                    ServiceSpec spec = SpecJson.fromStore(d.spec());
                    tasks.runtime().purge(d.namespace(), owner.runnable(d.namespace(), spec));
                    owner.removeLogs(d.namespace(), List.of(d.id())); // an exec's, if it had any, are not known here
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
}
