package overseer.core;

import overseer.core.internal.Identifiers;
import overseer.core.spi.TaskRuntime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The task list: tasks keyed by (namespace, id), created on one {@link TaskRuntime}, publishing their events
 * on one {@link EventBus}. This is the embeddable core: a JVM application can supervise processes with it
 * and nothing else.
 */
public final class Tasks implements AutoCloseable {
    public static final String DEFAULT_NAMESPACE = "default";
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    private final TaskRuntime runtime;
    private final EventBus bus;
    private final Map<Key, SupervisedTask> tasks = new ConcurrentHashMap<>();
    /** Keys whose task is being replaced: deleting the old run leaves the key to the new one. */
    private final java.util.Set<Key> replacing = ConcurrentHashMap.newKeySet();

    public Tasks(TaskRuntime runtime) {
        this(runtime, new EventBus());
    }

    public Tasks(TaskRuntime runtime, EventBus bus) {
        this.runtime = runtime;
        this.bus = bus;
    }

    private record Key(String namespace, String id) {
    }

    public TaskRuntime runtime() {
        return runtime;
    }

    public EventBus events() {
        return bus;
    }

    /** Creates a task in the Created status; ALREADY_EXISTS "task already exists" if the id is taken. */
    public Task create(String namespace, TaskSpec spec) {
        Identifiers.require("namespace", namespace);
        Key key = new Key(namespace, spec.id());
        SupervisedTask[] made = new SupervisedTask[1];
        tasks.computeIfAbsent(key, k -> made[0] = new SupervisedTask(namespace, spec, runtime, bus, unregister(k, made)));
        if (made[0] == null) {
            throw OverseerException.alreadyExists("task already exists: %s/%s", namespace, spec.id());
        }
        bus.publish(namespace, new Event.TaskCreate(spec.id(), spec.process().args()));
        return made[0];
    }

    /** Forgets the task once it is deleted, unless the key belongs to another task by then or is being replaced. */
    private Runnable unregister(Key k, SupervisedTask[] self) {
        return () -> {
            if (!replacing.contains(k)) {
                tasks.remove(k, self[0]);
            }
        };
    }

    /**
     * A new run of a task under the same id (a supervisor's restart): the old one, which must have ended or
     * never started, is deleted and the new one created from {@code spec}, with no moment at which the id
     * names no task. Publishes /tasks/delete then /tasks/create.
     */
    public Task replace(String namespace, TaskSpec spec) {
        Key key = new Key(namespace, spec.id());
        SupervisedTask old = tasks.get(key);
        if (old == null) {
            throw OverseerException.notFound("task does not exist: %s/%s", namespace, spec.id());
        }
        replacing.add(key);
        try {
            if (old.status() != Status.DELETED) {
                old.delete();
            }
            SupervisedTask[] made = new SupervisedTask[1];
            made[0] = new SupervisedTask(namespace, spec, runtime, bus, unregister(key, made));
            if (!tasks.replace(key, old, made[0])) {
                made[0].delete();
                throw OverseerException.failedPrecondition("task %s/%s: replaced or deleted meanwhile", namespace, spec.id());
            }
            bus.publish(namespace, new Event.TaskCreate(spec.id(), spec.process().args()));
            return made[0];
        } catch (RuntimeException e) {
            tasks.remove(key, old);
            throw e;
        } finally {
            replacing.remove(key);
        }
    }

    /**
     * Takes back a task a previous Overseer process left (Nomad's Open): the runtime finds it by
     * {@code pid} and {@code startTime}; its exit, when it comes, is published as /tasks/exit as usual, so
     * an exit that happened while nobody watched is published now. When the runtime cannot know the exit
     * status, {@code recorded} stands if there is one (and nothing is published), else Exit.unknown.
     */
    public Task reattach(String namespace, TaskSpec spec, long pid, long startTime, Optional<Exit> recorded) {
        Identifiers.require("namespace", namespace);
        Key key = new Key(namespace, spec.id());
        SupervisedTask[] made = new SupervisedTask[1];
        tasks.computeIfAbsent(key, k -> made[0] = new SupervisedTask(namespace, spec, runtime, bus, unregister(k, made),
                out -> runtime.reattach(namespace, spec, out, pid, startTime)));
        if (made[0] == null) {
            throw OverseerException.alreadyExists("task already exists: %s/%s", namespace, spec.id());
        }
        made[0].watchAdopted(recorded);
        return made[0];
    }

    /** Creates and starts a task in the default namespace. */
    public Task run(TaskSpec spec) {
        Task t = create(DEFAULT_NAMESPACE, spec);
        try {
            t.start();
        } catch (RuntimeException e) {
            t.delete();
            throw e;
        }
        return t;
    }

    /** The task; NOT_FOUND "task does not exist" if there is none. */
    public Task get(String namespace, String id) {
        Task t = tasks.get(new Key(namespace, id));
        if (t == null) {
            throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
        }
        return t;
    }

    /** The tasks of one namespace, by id. */
    public List<Task> list(String namespace) {
        return tasks.entrySet().stream().filter(e -> e.getKey().namespace().equals(namespace))
                .map(e -> (Task) e.getValue()).sorted(Comparator.comparing(Task::id)).toList();
    }

    /** Every task, by namespace then id. */
    public List<Task> list() {
        return tasks.values().stream().map(t -> (Task) t)
                .sorted(Comparator.comparing(Task::namespace).thenComparing(Task::id)).toList();
    }

    /**
     * Stops every task (SIGTERM, SIGKILL after a grace), deletes them all and closes the runtime, so that
     * nothing the embedding application started outlives it.
     */
    @Override
    public void close() {
        List<Thread> stoppers = new ArrayList<>();
        for (Task t : list()) {
            stoppers.add(Thread.ofVirtual().start(() -> stopAndDelete(t)));
        }
        for (Thread s : stoppers) {
            try {
                s.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        runtime.close();
    }

    private static void stopAndDelete(Task t) {
        try {
            if (t.status() == Status.PAUSED) {
                t.resume();
            }
            if (t.status() == Status.RUNNING) {
                t.shutdown(Signal.SIGTERM, CLOSE_GRACE);
            }
            t.delete();
        } catch (OverseerException e) {
            // It changed status under us (exited, deleted elsewhere); one more try covers the exit case.
            if (t.status() == Status.STOPPED) {
                t.delete();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
