package overseer.server;

import overseer.core.Envelope;
import overseer.core.Event;
import overseer.core.Exit;
import overseer.core.EventBus;
import overseer.core.Identifiers;
import overseer.core.Status;
import overseer.core.Subscription;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.core.spi.StateStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's tasks: the core's task list with every change written to the state store before it is
 * acted on (a start is recorded as RUNNING with pid 0, then with its pid), and every exit recorded as the
 * event bus reports it.
 */
final class TaskService implements AutoCloseable {
    private final Tasks tasks;
    private final StateStore store;
    private final Path logs;
    private final Subscription exits;
    private final Thread recorder;
    private final ReentrantLock writes = new ReentrantLock();
    private final RecentEvents recent;

    TaskService(Tasks tasks, StateStore store, Path logs) {
        this.tasks = tasks;
        this.store = store;
        this.logs = logs;
        this.recent = new RecentEvents(tasks.events());
        this.exits = tasks.events().subscribe(EventBus.DEFAULT_CAPACITY, EventBus.topics("/tasks/exit"));
        this.recorder = Thread.ofVirtual().name("exit-recorder").start(this::recordExits);
    }

    Tasks tasks() {
        return tasks;
    }

    RecentEvents recent() {
        return recent;
    }

    /**
     * After a restart: every task the store knows is taken back (Nomad's Open). A task that was never
     * started is created again; any other is reattached through the runtime, which publishes the exit it
     * missed, if it can know it (else the store's recorded exit stands, or Exit.unknown). A task the runtime
     * cannot find any more is recorded as stopped with an unknown exit, and dropped from the store.
     * Returns what could not be taken back, one line each.
     */
    List<String> recover() {
        List<String> lost = new ArrayList<>();
        for (StateStore.TaskRecord r : store.tasks()) {
            TaskSpec spec = ApiJson.taskSpec(ApiJson.read(r.spec()), logDir(r.namespace()));
            try {
                if (r.status() == Status.CREATED) {
                    tasks.create(r.namespace(), spec);
                } else {
                    tasks.reattach(r.namespace(), spec, r.pid(), r.startTime(), r.exit());
                }
            } catch (RuntimeException e) {
                lost.add(r.namespace() + "/" + r.id() + ": " + e.getMessage());
                store.exited(r.namespace(), r.id(), r.id(), r.exit().orElseGet(() -> Exit.unknown(Instant.now())));
                store.deleteTask(r.namespace(), r.id());
            }
        }
        return lost;
    }

    StateStore store() {
        return store;
    }

    Path logDir(String namespace) {
        return logs.resolve(namespace);
    }

    Task create(String namespace, TaskSpec spec, String specJson) {
        Identifiers.require("namespace", namespace);
        store.createTask(new StateStore.TaskRecord(namespace, spec.id(), tasks.runtime().name(), specJson,
                Status.CREATED, 0, 0, Optional.empty(), Instant.now()));
        try {
            Files.createDirectories(logDir(namespace));
            return tasks.create(namespace, spec);
        } catch (RuntimeException | java.io.IOException e) {
            store.deleteTask(namespace, spec.id());
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw overseer.core.OverseerException.internal("cannot create the log directory", e);
        }
    }

    Task start(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        // Held until the pid is written, so that the recorder, which takes it too, writes a quick exit after it.
        writes.lock();
        try {
            store.transition(namespace, id, Status.RUNNING, 0, 0, Instant.now());
            try {
                t.start();
            } catch (RuntimeException e) {
                store.transition(namespace, id, t.status(), t.pid(), 0, Instant.now());
                throw e;
            }
            store.transition(namespace, id, Status.RUNNING, t.pid(), ProcStart.of(t.pid()), Instant.now());
            return t;
        } finally {
            writes.unlock();
        }
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

    void delete(String namespace, String id) {
        Task t = tasks.get(namespace, id);
        t.delete();
        store.deleteTask(namespace, id);
    }

    private void recordExits() {
        try {
            while (true) {
                Envelope env = exits.next();
                if (env.event() instanceof Event.TaskExit e) {
                    writes.lock();
                    try {
                        // Exits of the jobs' tasks and of tasks created outside the API are not the store's business.
                        store.task(env.namespace(), e.taskId()).ifPresent(r -> {
                            store.exited(r.namespace(), r.id(), e.execId(), e.exit());
                            if (e.execId().equals(e.taskId())) {
                                store.transition(r.namespace(), r.id(), Status.STOPPED, e.pid(), r.startTime(),
                                        e.exit().exitedAt());
                            }
                        });
                    } finally {
                        writes.unlock();
                    }
                }
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        recorder.interrupt();
        exits.close();
        recent.close();
    }
}
