package overseer.core;

import overseer.core.spi.StateStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A StateStore that forgets everything with the JVM: for embedding without a daemon, and for tests. */
public final class InMemoryStateStore implements StateStore {
    private record Key(String namespace, String id) {
    }

    private final Map<Key, TaskRecord> tasks = new LinkedHashMap<>();
    private final Map<Key, List<Transition>> history = new LinkedHashMap<>();
    private final Map<String, String> results = new LinkedHashMap<>();
    private final Map<Key, Map<String, Exit>> exits = new LinkedHashMap<>();
    private final Map<Key, List<Exit>> past = new LinkedHashMap<>();
    private final Map<String, JobRecord> jobs = new LinkedHashMap<>();
    private final Map<String, SliceRecord> slices = new LinkedHashMap<>();
    private final Map<Key, PendingDelete> deletes = new LinkedHashMap<>();
    private long events;
    private long jobSeq;

    @Override
    public int schemaVersion() {
        return 0;
    }

    @Override
    public synchronized void createTask(TaskRecord task) {
        Key k = new Key(task.namespace(), task.id());
        if (tasks.containsKey(k)) {
            throw OverseerException.alreadyExists("task already exists: %s/%s", task.namespace(), task.id());
        }
        tasks.put(k, task);
        history.put(k, new ArrayList<>(List.of(new Transition(task.namespace(), task.id(), task.status(), task.pid(),
                task.createdAt()))));
    }

    @Override
    public synchronized void transition(String namespace, String id, Status status, long pid, long startTime, Instant at) {
        Key k = new Key(namespace, id);
        TaskRecord t = require(k);
        tasks.put(k, new TaskRecord(namespace, id, t.runtime(), t.spec(), status, pid, startTime, t.exit(), t.createdAt(),
                t.service()));
        history.get(k).add(new Transition(namespace, id, status, pid, at));
    }

    @Override
    public synchronized void started(String namespace, String id, long pid, long startTime, Instant at) {
        Key k = new Key(namespace, id);
        TaskRecord t = require(k);
        tasks.put(k, new TaskRecord(namespace, id, t.runtime(), t.spec(), t.status(), pid, startTime, t.exit(),
                t.createdAt(), t.service()));
        history.get(k).add(new Transition(namespace, id, Status.RUNNING, pid, at));
    }

    @Override
    public synchronized boolean exited(String namespace, String id, String execId, Exit exit) {
        Key k = new Key(namespace, id);
        TaskRecord t = require(k);
        if (exits.computeIfAbsent(k, x -> new LinkedHashMap<>()).putIfAbsent(execId, exit) != null) {
            return false;
        }
        if (execId.equals(id)) {
            tasks.put(k, new TaskRecord(namespace, id, t.runtime(), t.spec(), Status.STOPPED, t.pid(), t.startTime(),
                    Optional.of(exit), t.createdAt(), t.service()));
            history.get(k).add(new Transition(namespace, id, Status.STOPPED, t.pid(), exit.exitedAt()));
        }
        return true;
    }

    @Override
    public synchronized void spec(String namespace, String id, String spec) {
        Key k = new Key(namespace, id);
        TaskRecord t = require(k);
        tasks.put(k, new TaskRecord(namespace, id, t.runtime(), spec, t.status(), t.pid(), t.startTime(), t.exit(),
                t.createdAt(), t.service()));
    }

    @Override
    public synchronized void service(String namespace, String id, ServiceState state) {
        Key k = new Key(namespace, id);
        TaskRecord t = require(k);
        tasks.put(k, new TaskRecord(namespace, id, t.runtime(), t.spec(), t.status(), t.pid(), t.startTime(), t.exit(),
                t.createdAt(), state));
    }

    @Override
    public synchronized void restarting(String namespace, String id, ServiceState state, Instant at) {
        Key k = new Key(namespace, id);
        TaskRecord t = require(k);
        Exit last = exits.getOrDefault(k, Map.of()).get(id);
        if (last != null) {
            past.computeIfAbsent(k, x -> new ArrayList<>()).addFirst(last);
            exits.get(k).remove(id);
        }
        tasks.put(k, new TaskRecord(namespace, id, t.runtime(), t.spec(), Status.CREATED, 0, 0, Optional.empty(),
                t.createdAt(), state));
        history.get(k).add(new Transition(namespace, id, Status.CREATED, 0, at));
    }

    @Override
    public synchronized List<Exit> pastExits(String namespace, String id, int limit) {
        List<Exit> p = past.getOrDefault(new Key(namespace, id), List.of());
        return List.copyOf(p.subList(0, Math.min(limit, p.size())));
    }

    @Override
    public synchronized long eventSequence() {
        return events;
    }

    @Override
    public synchronized void reserveEvents(long reserved) {
        events = Math.max(events, reserved);
    }

    @Override
    public synchronized Optional<TaskRecord> task(String namespace, String id) {
        return Optional.ofNullable(tasks.get(new Key(namespace, id)));
    }

    @Override
    public synchronized List<TaskRecord> tasks() {
        return tasks.values().stream()
                .sorted(Comparator.comparing(TaskRecord::namespace).thenComparing(TaskRecord::id)).toList();
    }

    @Override
    public synchronized List<Transition> history(String namespace, String id) {
        return List.copyOf(history.getOrDefault(new Key(namespace, id), List.of()));
    }

    @Override
    public synchronized void deleteRequested(String namespace, String id, Instant at) {
        Key k = new Key(namespace, id);
        TaskRecord t = require(k);
        deletes.remove(k);
        deletes.put(k, new PendingDelete(namespace, id, t.runtime(), t.spec(), at));
    }

    @Override
    public synchronized void deleteFinished(String namespace, String id, Instant requestedAt) {
        Key k = new Key(namespace, id);
        PendingDelete d = deletes.get(k);
        if (d != null && d.requestedAt().equals(requestedAt)) {
            deletes.remove(k);
        }
    }

    @Override
    public synchronized List<PendingDelete> pendingDeletes() {
        return List.copyOf(deletes.values());
    }

    @Override
    public synchronized void deleteTask(String namespace, String id) {
        Key k = new Key(namespace, id);
        require(k);
        tasks.remove(k);
        history.remove(k);
        exits.remove(k);
        past.remove(k);
    }

    @Override
    public synchronized void jobResult(String jobId, String resultJson, Instant at) {
        results.put(jobId, resultJson);
        jobs.remove(jobId);
    }

    @Override
    public synchronized Optional<String> jobResult(String jobId) {
        return Optional.ofNullable(results.get(jobId));
    }

    @Override
    public synchronized JobRecord createJob(String id, String queue, String command, Optional<String> slice, Instant at) {
        if (jobs.containsKey(id)) {
            throw OverseerException.alreadyExists("job already recorded: %s", id);
        }
        JobRecord j = new JobRecord(++jobSeq, id, queue, command, slice, JobRun.NONE, at);
        jobs.put(id, j);
        return j;
    }

    @Override
    public synchronized void jobRun(String id, JobRun run) {
        JobRecord j = jobs.get(id);
        if (j == null) {
            throw OverseerException.notFound("job is not recorded: %s", id);
        }
        jobs.put(id, new JobRecord(j.seq(), id, j.queue(), j.command(), j.slice(), run, j.submittedAt()));
    }

    @Override
    public synchronized void forgetJob(String id) {
        jobs.remove(id);
    }

    @Override
    public synchronized List<JobRecord> jobs() {
        return jobs.values().stream().sorted(Comparator.comparingLong(JobRecord::seq)).toList();
    }

    @Override
    public synchronized void createSlice(String name, String yaml, Instant at) {
        if (slices.putIfAbsent(name, new SliceRecord(name, yaml, at)) != null) {
            throw OverseerException.alreadyExists("slice already recorded: %s", name);
        }
    }

    @Override
    public synchronized void deleteSlice(String name) {
        slices.remove(name);
        jobs.values().removeIf(j -> j.slice().equals(Optional.of(name)));
    }

    @Override
    public synchronized List<SliceRecord> slices() {
        return List.copyOf(slices.values());
    }

    @Override
    public void close() {
    }

    private TaskRecord require(Key k) {
        TaskRecord t = tasks.get(k);
        if (t == null) {
            throw OverseerException.notFound("task does not exist: %s/%s", k.namespace(), k.id());
        }
        return t;
    }
}
