package overseer.server;

import overseer.core.OverseerException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's one SQLite connection and what every call goes through: opening it (pragmas, migrations),
 * the lock, the transaction helper, SQLITE_FULL mapping, write timing and the WAL checkpoints; separate so
 * that the task and job rows hold only their SQL.
 */
final class StoreConnection {
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
    /**
     * The checkpoints' own connection: a checkpoint fsyncs the WAL and the database file, and on the writers'
     * connection it would hold their lock meanwhile. In WAL mode a PASSIVE checkpoint runs beside a writer.
     */
    private final Connection checkpointer;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * The writers' connection's statements, each compiled once, by their SQL: SQLite's prepare was 40 % of a
     * small write's CPU. Used under {@link #lock} only, and dropped after a failure (see {@link #locked}). Every
     * SQL text is a constant of the rows' code (values are bound, never spliced in), so the map stays small.
     */
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final ScheduledExecutorService checkpoints;
    /** SQLite's synchronous=FULL commit is an fsync: tens of microseconds on tmpfs, milliseconds on a disk. */
    private final Histogram writes = new Histogram("overseer_store_write_duration_seconds",
            "Time a state store write takes, waiting for the connection and the commit's fsync included, by operation.",
            List.of("operation"), 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1);

    StoreConnection(Path file) {
        this.file = file.toAbsolutePath();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                PrivateFiles.directory(parent);
            }
            // Specs hold environments (passwords, tokens): the file is its owner's from its first byte, and
            // SQLite gives its -wal and -shm files the same mode.
            PrivateFiles.file(file);
            // No generated keys: the driver would otherwise match every INSERT against a pattern and run a
            // SELECT last_insert_rowid() after it. The one insert that needs its key asks with RETURNING.
            org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
            config.setGetGeneratedKeys(false);
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=5000");
            }
            Migrations.apply(db);
            checkpointer = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = checkpointer.createStatement()) {
                s.execute("PRAGMA synchronous=FULL");
            }
        } catch (SQLException e) {
            throw OverseerException.unavailable("state store %s: cannot open: %s", file, e.getMessage());
        }
        checkpoints = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("state-checkpoint").factory());
        long every = CHECKPOINT_EVERY.toMillis();
        checkpoints.scheduleWithFixedDelay(this::checkpoint, every, every, TimeUnit.MILLISECONDS);
    }

    Connection db() {
        return db;
    }

    /**
     * The statement for {@code sql} on the writers' connection, compiled on first use and kept, its parameters
     * cleared. Not to be closed by the caller; only under the lock ({@link #locked}, {@link #written}). A
     * statement's result set is closed by its next execution, so a caller reads it to its end first.
     */
    PreparedStatement statement(String sql) throws SQLException {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("state store: a statement outside the connection's lock");
        }
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = db.prepareStatement(sql);
            statements.put(sql, p);
        } else {
            p.clearParameters();
        }
        return p;
    }

    Path file() {
        return file;
    }

    void close() {
        checkpoints.shutdownNow();
        try {
            // a checkpoint under way finishes first: closing its connection under it would fail the statement
            checkpoints.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        locked(() -> {
            forgetStatements();
            checkpointer.close();
            db.close();
            return null;
        });
    }

    /**
     * Folds the WAL into the database file. PASSIVE: it never waits for, nor blocks, a reader or the writer,
     * so the writers' connection and lock stay free while it syncs the two files.
     */
    private void checkpoint() {
        try (Statement s = checkpointer.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(PASSIVE)");
        } catch (SQLException e) {
            // a full disk or a busy file: the next round tries again, and SQLite's own checkpoint still runs
        }
    }

    // --- plumbing ---------------------------------------------------------------------------------------

    interface Sql<T> {
        T run() throws SQLException;
    }

    interface SqlStep {
        void run() throws SQLException;
    }

    /**
     * {@link #locked} for a write, timed into {@link #writes()} under {@code operation}: from the call to its
     * commit, the wait for the one connection included (what the caller, an API request or an exit, waits).
     */
    <T> T written(String operation, Sql<T> body) {
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

    <T> T locked(Sql<T> body) {
        lock.lock();
        try {
            return body.run();
        } catch (SQLException e) {
            // After SQLITE_FULL or an I/O error SQLite may have rolled back under a statement: compile anew.
            forgetStatements();
            throw failure(e);
        } finally {
            lock.unlock();
        }
    }

    private void forgetStatements() {
        for (PreparedStatement p : statements.values()) {
            try {
                p.close();
            } catch (SQLException alreadyGone) {
                // its connection's failure is what the caller hears of
            }
        }
        statements.clear();
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
    void transaction(SqlStep body) throws SQLException {
        transaction(Commit.SYNCED, body);
    }

    /**
     * {@link #transaction(SqlStep)}, committed as far as {@code commit} says. The WAL is one file written in
     * order, its frames checksummed in a chain: a later synced commit, or the next checkpoint, takes an
     * unsynced one to the disk with it, and no crash can keep a later commit while losing an earlier one.
     */
    void transaction(Commit commit, SqlStep body) throws SQLException {
        if (commit == Commit.WRITTEN) {
            execute("PRAGMA synchronous=NORMAL");
        }
        try {
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
        } finally {
            if (commit == Commit.WRITTEN) {
                execute("PRAGMA synchronous=FULL");
            }
        }
    }

    /** How far a commit goes before it returns. */
    enum Commit {
        /** To the disk (an fsync of the WAL, synchronous=FULL): it survives the machine's crash. */
        SYNCED,
        /**
         * To the OS's page cache (synchronous=NORMAL in WAL mode): it survives the daemon's crash, and goes to
         * the disk with the next synced commit or checkpoint, within {@link #CHECKPOINT_EVERY}.
         */
        WRITTEN
    }

    void execute(String sql) throws SQLException {
        statement(sql).execute();
    }
}
