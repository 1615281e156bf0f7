package overseer.server;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.spi.StateStore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's state in one SQLite file, in WAL mode, with one connection that every call takes in turn:
 * SQLite allows one writer at a time anyway, and one connection keeps each change a single transaction.
 * The schema is versioned; {@link Migrations} brings an older file up to date when it is opened.
 */
public final class SqliteStateStore implements StateStore {
    /** SQLite's primary result codes for "no room left": SQLITE_FULL, and SQLITE_IOERR's short write. */
    private static final int SQLITE_FULL = 13;
    private static final int SQLITE_IOERR_WRITE = 3 | (3 << 8);

    /**
     * How often the WAL is folded into the database file. SQLite on its own waits for 1000 pages (or a
     * clean close), so a lost or deleted -wal after a crash would take nearly the whole history with it;
     * folded every second, it costs a second at most.
     */
    static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(1);

    private final Path file;
    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService checkpoints;
    /** SQLite's synchronous=FULL commit is an fsync: tens of microseconds on tmpfs, milliseconds on a disk. */
    private final Histogram writes = new Histogram("overseer_store_write_duration_seconds",
            "Time a state store write takes, waiting for the connection and the commit's fsync included, by operation.",
            List.of("operation"), 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1);

    public SqliteStateStore(Path file) {
        this.file = file.toAbsolutePath();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                PrivateFiles.directory(parent);
            }
            // Specs hold environments (passwords, tokens): the file is its owner's from its first byte, and
            // SQLite gives its -wal and -shm files the same mode.
            PrivateFiles.file(file);
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
            }
            Migrations.apply(db);
        } catch (SQLException e) {
            throw OverseerException.unavailable("state store %s: cannot open: %s", file, e.getMessage());
        }
        checkpoints = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("state-checkpoint").factory());
        long every = CHECKPOINT_EVERY.toMillis();
        checkpoints.scheduleWithFixedDelay(this::checkpoint, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public int schemaVersion() {
        return locked(() -> Migrations.version(db));
    }

    @Override
    public void createTask(TaskRecord t) {
        written("createTask", () -> {
            if (find(t.namespace(), t.id()).isPresent()) {
                throw OverseerException.alreadyExists("task already exists: %s/%s", t.namespace(), t.id());
            }
            transaction(() -> {
                try (PreparedStatement p = db.prepareStatement("""
                        INSERT INTO tasks (namespace, id, runtime, spec, status, pid, start_time, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
                    p.setString(1, t.namespace());
                    p.setString(2, t.id());
                    p.setString(3, t.runtime());
                    p.setString(4, t.spec());
                    p.setString(5, t.status().name());
                    p.setLong(6, t.pid());
                    p.setLong(7, t.startTime());
                    p.setLong(8, t.createdAt().toEpochMilli());
                    p.executeUpdate();
                }
                if (t.exit().isPresent()) {
                    insertExit(t.namespace(), t.id(), t.id(), t.exit().get());
                }
                if (!t.service().equals(ServiceState.NEW)) {
                    try (PreparedStatement p = db.prepareStatement(
                            "UPDATE tasks SET restarts = ?, operator_stopped = ?, failure = ? WHERE namespace = ? AND id = ?")) {
                        p.setInt(1, t.service().restarts());
                        p.setInt(2, t.service().operatorStopped() ? 1 : 0);
                        p.setString(3, t.service().failure().orElse(null));
                        p.setString(4, t.namespace());
                        p.setString(5, t.id());
                        p.executeUpdate();
                    }
                }
                insertTransition(t.namespace(), t.id(), t.status(), t.pid(), t.createdAt());
            });
            return null;
        });
    }

    @Override
    public void transition(String namespace, String id, Status status, long pid, long startTime, Instant at) {
        written("transition", () -> {
            transaction(() -> {
                try (PreparedStatement p = db.prepareStatement(
                        "UPDATE tasks SET status = ?, pid = ?, start_time = ? WHERE namespace = ? AND id = ?")) {
                    p.setString(1, status.name());
                    p.setLong(2, pid);
                    p.setLong(3, startTime);
                    p.setString(4, namespace);
                    p.setString(5, id);
                    if (p.executeUpdate() == 0) {
                        throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                    }
                }
                insertTransition(namespace, id, status, pid, at);
            });
            return null;
        });
    }

    @Override
    public void started(String namespace, String id, long pid, long startTime, Instant at) {
        written("started", () -> {
            transaction(() -> {
                try (PreparedStatement p = db.prepareStatement(
                        "UPDATE tasks SET pid = ?, start_time = ? WHERE namespace = ? AND id = ?")) {
                    p.setLong(1, pid);
                    p.setLong(2, startTime);
                    p.setString(3, namespace);
                    p.setString(4, id);
                    if (p.executeUpdate() == 0) {
                        throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                    }
                }
                insertTransition(namespace, id, Status.RUNNING, pid, at);
            });
            return null;
        });
    }

    @Override
    public boolean exited(String namespace, String id, String execId, Exit exit) {
        return written("exited", () -> {
            if (find(namespace, id).isEmpty()) {
                throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
            }
            boolean[] fresh = new boolean[1];
            transaction(() -> {
                fresh[0] = insertExit(namespace, id, execId, exit);
                if (fresh[0] && execId.equals(id)) {
                    try (PreparedStatement p = db.prepareStatement(
                            "UPDATE tasks SET status = ? WHERE namespace = ? AND id = ?")) {
                        p.setString(1, Status.STOPPED.name());
                        p.setString(2, namespace);
                        p.setString(3, id);
                        p.executeUpdate();
                    }
                    insertTransition(namespace, id, Status.STOPPED, 0, exit.exitedAt());
                }
            });
            return fresh[0];
        });
    }

    @Override
    public void spec(String namespace, String id, String spec) {
        update("spec", namespace, id, "UPDATE tasks SET spec = ? WHERE namespace = ? AND id = ?", p -> p.setString(1, spec));
    }

    @Override
    public void service(String namespace, String id, ServiceState state) {
        update("service", namespace, id, "UPDATE tasks SET restarts = ?, operator_stopped = ?, failure = ? WHERE namespace = ? AND id = ?",
                p -> {
                    p.setInt(1, state.restarts());
                    p.setInt(2, state.operatorStopped() ? 1 : 0);
                    p.setString(3, state.failure().orElse(null));
                });
    }

    @Override
    public void restarting(String namespace, String id, ServiceState state, Instant at) {
        written("restarting", () -> {
            transaction(() -> {
                try (PreparedStatement p = db.prepareStatement("""
                        INSERT INTO past_exits (namespace, task_id, exit_code, signal, oom_killed, exited_at)
                        SELECT namespace, task_id, exit_code, signal, oom_killed, exited_at FROM exits
                        WHERE namespace = ? AND task_id = ? AND exec_id = ?""")) {
                    p.setString(1, namespace);
                    p.setString(2, id);
                    p.setString(3, id);
                    p.executeUpdate();
                }
                try (PreparedStatement p = db.prepareStatement(
                        "DELETE FROM exits WHERE namespace = ? AND task_id = ? AND exec_id = ?")) {
                    p.setString(1, namespace);
                    p.setString(2, id);
                    p.setString(3, id);
                    p.executeUpdate();
                }
                try (PreparedStatement p = db.prepareStatement("""
                        UPDATE tasks SET status = ?, pid = 0, start_time = 0, restarts = ?, operator_stopped = ?, failure = ?
                        WHERE namespace = ? AND id = ?""")) {
                    p.setString(1, Status.CREATED.name());
                    p.setInt(2, state.restarts());
                    p.setInt(3, state.operatorStopped() ? 1 : 0);
                    p.setString(4, state.failure().orElse(null));
                    p.setString(5, namespace);
                    p.setString(6, id);
                    if (p.executeUpdate() == 0) {
                        throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                    }
                }
                insertTransition(namespace, id, Status.CREATED, 0, at);
            });
            return null;
        });
    }

    @Override
    public List<Exit> pastExits(String namespace, String id, int limit) {
        return locked(() -> {
            try (PreparedStatement p = db.prepareStatement("""
                    SELECT exit_code, signal, oom_killed, exited_at FROM past_exits WHERE namespace = ? AND task_id = ?
                    ORDER BY seq DESC LIMIT ?""")) {
                p.setString(1, namespace);
                p.setString(2, id);
                p.setInt(3, limit);
                List<Exit> out = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.add(exitOf(r));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public long eventSequence() {
        return locked(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT value FROM meta WHERE key = 'event_sequence'");
                 ResultSet r = p.executeQuery()) {
                return r.next() ? r.getLong(1) : 0L;
            }
        });
    }

    @Override
    public void reserveEvents(long reserved) {
        written("reserveEvents", () -> {
            try (PreparedStatement p = db.prepareStatement("""
                    INSERT INTO meta (key, value) VALUES ('event_sequence', ?)
                    ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)""")) {
                p.setLong(1, reserved);
                p.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public Optional<TaskRecord> task(String namespace, String id) {
        return locked(() -> find(namespace, id));
    }

    @Override
    public List<TaskRecord> tasks() {
        return locked(() -> query("SELECT * FROM tasks ORDER BY namespace, id"));
    }

    @Override
    public List<Transition> history(String namespace, String id) {
        return locked(() -> {
            try (PreparedStatement p = db.prepareStatement(
                    "SELECT status, pid, at FROM transitions WHERE namespace = ? AND task_id = ? ORDER BY seq")) {
                p.setString(1, namespace);
                p.setString(2, id);
                List<Transition> out = new ArrayList<>();
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.add(new Transition(namespace, id, Status.valueOf(r.getString(1)), r.getLong(2),
                                Instant.ofEpochMilli(r.getLong(3))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public void deleteTask(String namespace, String id) {
        written("deleteTask", () -> {
            transaction(() -> {
                try (PreparedStatement p = db.prepareStatement("DELETE FROM tasks WHERE namespace = ? AND id = ?")) {
                    p.setString(1, namespace);
                    p.setString(2, id);
                    if (p.executeUpdate() == 0) {
                        throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                    }
                }
            });
            return null;
        });
    }

    @Override
    public void deleteRequested(String namespace, String id, Instant at) {
        written("deleteRequested", () -> {
            try (PreparedStatement p = db.prepareStatement("""
                    INSERT OR REPLACE INTO pending_deletes (namespace, id, runtime, spec, requested_at)
                    SELECT namespace, id, runtime, spec, ? FROM tasks WHERE namespace = ? AND id = ?""")) {
                p.setLong(1, at.toEpochMilli());
                p.setString(2, namespace);
                p.setString(3, id);
                if (p.executeUpdate() == 0) {
                    throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                }
            }
            return null;
        });
    }

    @Override
    public void deleteFinished(String namespace, String id, Instant requestedAt) {
        written("deleteFinished", () -> {
            try (PreparedStatement p = db.prepareStatement(
                    "DELETE FROM pending_deletes WHERE namespace = ? AND id = ? AND requested_at = ?")) {
                p.setString(1, namespace);
                p.setString(2, id);
                p.setLong(3, requestedAt.toEpochMilli());
                p.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<PendingDelete> pendingDeletes() {
        return locked(() -> {
            try (PreparedStatement p = db.prepareStatement(
                    "SELECT namespace, id, runtime, spec, requested_at FROM pending_deletes ORDER BY requested_at, namespace, id");
                 ResultSet r = p.executeQuery()) {
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
        written("jobResult", () -> {
            transaction(() -> {
                try (PreparedStatement p = db.prepareStatement(
                        "INSERT OR REPLACE INTO job_results (job_id, result, ended_at) VALUES (?, ?, ?)")) {
                    p.setString(1, jobId);
                    p.setString(2, resultJson);
                    p.setLong(3, at.toEpochMilli());
                    p.executeUpdate();
                }
                try (PreparedStatement p = db.prepareStatement("DELETE FROM jobs WHERE job_id = ?")) {
                    p.setString(1, jobId);
                    p.executeUpdate();
                }
            });
            return null;
        });
    }

    @Override
    public Optional<String> jobResult(String jobId) {
        return locked(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT result FROM job_results WHERE job_id = ?")) {
                p.setString(1, jobId);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public JobRecord createJob(String id, String queue, String command, Optional<String> slice, Instant at) {
        return written("createJob", () -> {
            try (PreparedStatement p = db.prepareStatement(
                    "INSERT OR IGNORE INTO jobs (job_id, queue, command, slice, submitted_at) VALUES (?, ?, ?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                p.setString(1, id);
                p.setString(2, queue);
                p.setString(3, command);
                p.setString(4, slice.orElse(null));
                p.setLong(5, at.toEpochMilli());
                if (p.executeUpdate() == 0) {
                    throw OverseerException.alreadyExists("job already recorded: %s", id);
                }
                try (ResultSet k = p.getGeneratedKeys()) {
                    k.next();
                    return new JobRecord(k.getLong(1), id, queue, command, slice, JobRun.NONE,
                            Instant.ofEpochMilli(at.toEpochMilli()));
                }
            }
        });
    }

    @Override
    public void jobRun(String id, JobRun run) {
        written("jobRun", () -> {
            try (PreparedStatement p = db.prepareStatement("""
                    UPDATE jobs SET pid = ?, start_time = ?, started_at = ?, restarts = ?, resurrections = ?, next_run_at = ?
                    WHERE job_id = ?""")) {
                p.setLong(1, run.pid());
                p.setLong(2, run.startTime());
                p.setLong(3, run.startedAt().toEpochMilli());
                p.setInt(4, run.restarts());
                p.setInt(5, run.resurrections());
                if (run.nextRunAt().isPresent()) {
                    p.setLong(6, run.nextRunAt().get().toEpochMilli());
                } else {
                    p.setNull(6, java.sql.Types.INTEGER);
                }
                p.setString(7, id);
                if (p.executeUpdate() == 0) {
                    throw OverseerException.notFound("job is not recorded: %s", id);
                }
            }
            return null;
        });
    }

    @Override
    public void forgetJob(String id) {
        written("forgetJob", () -> {
            try (PreparedStatement p = db.prepareStatement("DELETE FROM jobs WHERE job_id = ?")) {
                p.setString(1, id);
                p.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<JobRecord> jobs() {
        return locked(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT * FROM jobs ORDER BY seq");
                 ResultSet r = p.executeQuery()) {
                List<JobRecord> out = new ArrayList<>();
                while (r.next()) {
                    long next = r.getLong("next_run_at");
                    Optional<Instant> nextRunAt = r.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(next));
                    out.add(new JobRecord(r.getLong("seq"), r.getString("job_id"), r.getString("queue"),
                            r.getString("command"), Optional.ofNullable(r.getString("slice")),
                            new JobRun(r.getLong("pid"), r.getLong("start_time"), Instant.ofEpochMilli(r.getLong("started_at")),
                                    r.getInt("restarts"), r.getInt("resurrections"), nextRunAt),
                            Instant.ofEpochMilli(r.getLong("submitted_at"))));
                }
                return out;
            }
        });
    }

    @Override
    public void createSlice(String name, String yaml, Instant at) {
        written("createSlice", () -> {
            try (PreparedStatement p = db.prepareStatement(
                    "INSERT OR IGNORE INTO slices (name, yaml, created_at) VALUES (?, ?, ?)")) {
                p.setString(1, name);
                p.setString(2, yaml);
                p.setLong(3, at.toEpochMilli());
                if (p.executeUpdate() == 0) {
                    throw OverseerException.alreadyExists("slice already recorded: %s", name);
                }
            }
            return null;
        });
    }

    @Override
    public void deleteSlice(String name) {
        written("deleteSlice", () -> {
            transaction(() -> {
                try (PreparedStatement p = db.prepareStatement("DELETE FROM slices WHERE name = ?")) {
                    p.setString(1, name);
                    p.executeUpdate();
                }
                try (PreparedStatement p = db.prepareStatement("DELETE FROM jobs WHERE slice = ?")) {
                    p.setString(1, name);
                    p.executeUpdate();
                }
            });
            return null;
        });
    }

    @Override
    public List<SliceRecord> slices() {
        return locked(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT name, yaml, created_at FROM slices ORDER BY seq");
                 ResultSet r = p.executeQuery()) {
                List<SliceRecord> out = new ArrayList<>();
                while (r.next()) {
                    out.add(new SliceRecord(r.getString(1), r.getString(2), Instant.ofEpochMilli(r.getLong(3))));
                }
                return out;
            }
        });
    }

    @Override
    public void close() {
        checkpoints.shutdownNow();
        locked(() -> {
            db.close();
            return null;
        });
    }

    /** Folds the WAL into the database file (PASSIVE: it never waits for, nor blocks, a reader). */
    private void checkpoint() {
        lock.lock();
        try {
            if (!db.isClosed()) {
                execute("PRAGMA wal_checkpoint(PASSIVE)");
            }
        } catch (SQLException e) {
            // a full disk or a busy file: the next round tries again, and SQLite's own checkpoint still runs
        } finally {
            lock.unlock();
        }
    }

    // --- plumbing ---------------------------------------------------------------------------------------

    private interface Sql<T> {
        T run() throws SQLException;
    }

    private interface SqlStep {
        void run() throws SQLException;
    }

    /**
     * {@link #locked} for a write, timed into {@link #writes()} under {@code operation}: from the call to its
     * commit, the wait for the one connection included (what the caller, an API request or an exit, waits).
     */
    private <T> T written(String operation, Sql<T> body) {
        long t0 = System.nanoTime();
        try {
            return locked(body);
        } finally {
            writes.observe((System.nanoTime() - t0) / 1e9, operation);
        }
    }

    /** The store's write latency by operation (createTask, transition, exited, ...): /metrics's store series. */
    Histogram writes() {
        return writes;
    }

    private <T> T locked(Sql<T> body) {
        lock.lock();
        try {
            return body.run();
        } catch (SQLException e) {
            throw failure(e);
        } finally {
            lock.unlock();
        }
    }

    /** SQLite's result code says so, on the exception or on one it wraps (the driver's own codes are not all it). */
    private static boolean full(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            int code = c instanceof org.sqlite.SQLiteException s ? s.getResultCode().code
                    : c instanceof SQLException q ? q.getErrorCode() : -1;
            if (code >= 0 && ((code & 0xff) == SQLITE_FULL || code == SQLITE_IOERR_WRITE)) {
                return true;
            }
        }
        return false;
    }

    /** The error as the caller should see it: a full disk says so and names the directory to free. */
    private OverseerException failure(SQLException e) {
        if (full(e)) {
            return OverseerException.storageFull("state store: the disk of the state directory %s is full; nothing new is recorded until space is freed (%s)"
                    .formatted(file.getParent(), e.getMessage()), e);
        }
        return OverseerException.internal("state store: " + e.getMessage(), e);
    }

    /**
     * Runs {@code body} as one transaction: all of it is written, or none. The connection stays in
     * auto-commit and the transaction is SQLite's own BEGIN/COMMIT: after SQLITE_FULL, SQLite may have
     * rolled back by itself, and the driver's auto-commit bookkeeping would then be left out of step (every
     * later commit failing with "no transaction is active"). The first failure is the one reported.
     */
    private void transaction(SqlStep body) throws SQLException {
        execute("BEGIN IMMEDIATE");
        try {
            body.run();
            execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
            try {
                execute("ROLLBACK");
            } catch (SQLException alreadyRolledBack) {
                e.addSuppressed(alreadyRolledBack);
            }
            throw e;
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(sql);
        }
    }

    private void insertTransition(String namespace, String id, Status status, long pid, Instant at) throws SQLException {
        try (PreparedStatement p = db.prepareStatement(
                "INSERT INTO transitions (namespace, task_id, status, pid, at) VALUES (?, ?, ?, ?, ?)")) {
            p.setString(1, namespace);
            p.setString(2, id);
            p.setString(3, status.name());
            p.setLong(4, pid);
            p.setLong(5, at.toEpochMilli());
            p.executeUpdate();
        }
    }

    private interface Binder {
        void bind(PreparedStatement p) throws SQLException;
    }

    /** One UPDATE of one task; the statement ends with "WHERE namespace = ? AND id = ?" after the bound values. */
    private void update(String operation, String namespace, String id, String sql, Binder values) {
        written(operation, () -> {
            try (PreparedStatement p = db.prepareStatement(sql)) {
                values.bind(p);
                int n = p.getParameterMetaData().getParameterCount();
                p.setString(n - 1, namespace);
                p.setString(n, id);
                if (p.executeUpdate() == 0) {
                    throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                }
            }
            return null;
        });
    }

    /** Inserts the exit unless one is recorded for the process already; whether it did. */
    private boolean insertExit(String namespace, String id, String execId, Exit exit) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("""
                INSERT OR IGNORE INTO exits (namespace, task_id, exec_id, exit_code, signal, oom_killed, exited_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
            p.setString(1, namespace);
            p.setString(2, id);
            p.setString(3, execId);
            p.setInt(4, exit.exitCode());
            if (exit.signal().isPresent()) {
                p.setInt(5, exit.signal().get().number());
            } else {
                p.setNull(5, java.sql.Types.INTEGER);
            }
            p.setInt(6, exit.oomKilled() ? 1 : 0);
            p.setLong(7, exit.exitedAt().toEpochMilli());
            return p.executeUpdate() == 1;
        }
    }

    private static Exit exitOf(ResultSet r) throws SQLException {
        int signal = r.getInt(2);
        Optional<Signal> sig = r.wasNull() ? Optional.empty() : Optional.of(Signal.of(signal));
        return new Exit(r.getInt(1), sig, r.getInt(3) == 1, Instant.ofEpochMilli(r.getLong(4)));
    }

    private Optional<TaskRecord> find(String namespace, String id) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM tasks WHERE namespace = ? AND id = ?")) {
            p.setString(1, namespace);
            p.setString(2, id);
            List<TaskRecord> found = read(p);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
        }
    }

    private List<TaskRecord> query(String sql) throws SQLException {
        try (PreparedStatement p = db.prepareStatement(sql)) {
            return read(p);
        }
    }

    private List<TaskRecord> read(PreparedStatement p) throws SQLException {
        List<TaskRecord> out = new ArrayList<>();
        try (ResultSet r = p.executeQuery()) {
            while (r.next()) {
                String ns = r.getString("namespace");
                String id = r.getString("id");
                out.add(new TaskRecord(ns, id, r.getString("runtime"), r.getString("spec"),
                        Status.valueOf(r.getString("status")), r.getLong("pid"), r.getLong("start_time"),
                        Optional.empty(), Instant.ofEpochMilli(r.getLong("created_at")),
                        new ServiceState(r.getInt("restarts"), r.getInt("operator_stopped") == 1,
                                Optional.ofNullable(r.getString("failure")))));
            }
        }
        List<TaskRecord> withExits = new ArrayList<>(out.size());
        for (TaskRecord t : out) {
            withExits.add(new TaskRecord(t.namespace(), t.id(), t.runtime(), t.spec(), t.status(), t.pid(),
                    t.startTime(), initExit(t.namespace(), t.id()), t.createdAt(), t.service()));
        }
        return withExits;
    }

    private Optional<Exit> initExit(String namespace, String id) throws SQLException {
        try (PreparedStatement p = db.prepareStatement(
                "SELECT exit_code, signal, oom_killed, exited_at FROM exits WHERE namespace = ? AND task_id = ? AND exec_id = ?")) {
            p.setString(1, namespace);
            p.setString(2, id);
            p.setString(3, id);
            try (ResultSet r = p.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                return Optional.of(exitOf(r));
            }
        }
    }
}
