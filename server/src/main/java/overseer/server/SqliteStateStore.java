package overseer.server;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Status;
import overseer.core.spi.StateStore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The daemon's state in one SQLite file, in WAL mode, with one connection that every call takes in turn:
 * SQLite allows one writer at a time anyway, and one connection keeps each change a single transaction.
 * The schema is versioned; {@link Migrations} brings an older file up to date when it is opened.
 * The connection and its plumbing are {@link StoreConnection}'s; the task rows {@link TaskRows}', the job
 * and slice rows {@link JobRows}'; this class keeps the event sequence and pending deletes.
 */
public final class SqliteStateStore implements StateStore {
    private final StoreConnection store;
    private final Connection db;
    private final TaskRows tasks;
    private final JobRows jobs;

    public SqliteStateStore(Path file) {
        store = new StoreConnection(file);
        db = store.db();
        tasks = new TaskRows(store);
        jobs = new JobRows(store);
    }

    @Override
    public int schemaVersion() {
        return store.locked(() -> Migrations.version(db));
    }

    @Override
    public void createTask(TaskRecord t) {
        tasks.createTask(t);
    }

    @Override
    public void transition(String namespace, String id, Status status, long pid, long startTime, Instant at) {
        tasks.transition(namespace, id, status, pid, startTime, at);
    }

    @Override
    public void starting(String namespace, String id, Instant at) {
        tasks.starting(namespace, id, at);
    }

    @Override
    public void started(String namespace, String id, long pid, long startTime, Instant at) {
        tasks.started(namespace, id, pid, startTime, at);
    }

    @Override
    public boolean exited(String namespace, String id, String execId, Exit exit) {
        return tasks.exited(namespace, id, execId, exit);
    }

    @Override
    public void spec(String namespace, String id, String spec) {
        tasks.spec(namespace, id, spec);
    }

    @Override
    public void service(String namespace, String id, ServiceState state) {
        tasks.service(namespace, id, state);
    }

    @Override
    public void restarting(String namespace, String id, ServiceState state, Instant at) {
        tasks.restarting(namespace, id, state, at);
    }

    @Override
    public List<Exit> pastExits(String namespace, String id, int limit) {
        return tasks.pastExits(namespace, id, limit);
    }

    @Override
    public Optional<TaskRecord> task(String namespace, String id) {
        return tasks.task(namespace, id);
    }

    @Override
    public List<TaskRecord> tasks() {
        return tasks.tasks();
    }

    @Override
    public List<Transition> history(String namespace, String id) {
        return tasks.history(namespace, id);
    }

    @Override
    public void deleteTask(String namespace, String id) {
        tasks.deleteTask(namespace, id);
    }

    @Override
    public long eventSequence() {
        return store.locked(() -> {
            PreparedStatement p = store.statement("SELECT value FROM meta WHERE key = 'event_sequence'");
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0L;
            }
        });
    }

    @Override
    public void reserveEvents(long reserved) {
        store.written("reserveEvents", () -> {
            PreparedStatement p = store.statement("""
                    INSERT INTO meta (key, value) VALUES ('event_sequence', ?)
                    ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)""");
            p.setLong(1, reserved);
            p.executeUpdate();
            return null;
        });
    }

    @Override
    public void deleteRequested(String namespace, String id, Instant at) {
        store.written("deleteRequested", () -> {
            PreparedStatement p = store.statement("""
                    INSERT OR REPLACE INTO pending_deletes (namespace, id, runtime, spec, requested_at)
                    SELECT namespace, id, runtime, spec, ? FROM tasks WHERE namespace = ? AND id = ?""");
            p.setLong(1, at.toEpochMilli());
            p.setString(2, namespace);
            p.setString(3, id);
            if (p.executeUpdate() == 0) {
                throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
            }
            return null;
        });
    }

    @Override
    public void deleteFinished(String namespace, String id, Instant requestedAt) {
        // Not synced: a machine that crashes before the next synced commit keeps the pending delete, and the next
        // daemon finishes it once more, which finds nothing left to remove. One fsync less per delete on a disk.
        store.written("deleteFinished", () -> {
            store.transaction(StoreConnection.Commit.WRITTEN, () -> {
                PreparedStatement p = store.statement(
                        "DELETE FROM pending_deletes WHERE namespace = ? AND id = ? AND requested_at = ?");
                p.setString(1, namespace);
                p.setString(2, id);
                p.setLong(3, requestedAt.toEpochMilli());
                p.executeUpdate();
            });
            return null;
        });
    }

    @Override
    public List<PendingDelete> pendingDeletes() {
        return store.locked(() -> {
            PreparedStatement p = store.statement(
                    "SELECT namespace, id, runtime, spec, requested_at FROM pending_deletes ORDER BY requested_at, namespace, id");
            try (ResultSet r = p.executeQuery()) {
                List<PendingDelete> out = new ArrayList<>();
                while (r.next()) {
                    out.add(new PendingDelete(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                            Instant.ofEpochMilli(r.getLong(5))));
                }
                return out;
            }
        });
    }

    @Override
    public void jobResult(String jobId, String resultJson, Instant at) {
        jobs.jobResult(jobId, resultJson, at);
    }

    @Override
    public Optional<String> jobResult(String jobId) {
        return jobs.jobResult(jobId);
    }

    @Override
    public JobRecord createJob(String id, String queue, String command, Optional<String> slice, Instant at) {
        return jobs.createJob(id, queue, command, slice, at);
    }

    @Override
    public void jobRun(String id, JobRun run) {
        jobs.jobRun(id, run);
    }

    @Override
    public void forgetJob(String id) {
        jobs.forgetJob(id);
    }

    @Override
    public List<JobRecord> jobs() {
        return jobs.jobs();
    }

    @Override
    public void createSlice(String name, String yaml, Instant at) {
        jobs.createSlice(name, yaml, at);
    }

    @Override
    public void deleteSlice(String name) {
        jobs.deleteSlice(name);
    }

    @Override
    public List<SliceRecord> slices() {
        return jobs.slices();
    }

    @Override
    public void close() {
        store.close();
    }

    /** The store's write latency by operation (createTask, transition, exited, ...): /metrics's store series. */
    Histogram writes() {
        return store.writes();
    }
}
