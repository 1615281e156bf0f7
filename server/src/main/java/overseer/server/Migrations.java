package overseer.server;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema, as an ordered list of migrations. Version N of a store has applied the first N; opening a
 * store applies the rest, each in its own transaction together with the version bump. Never edit a
 * migration that has shipped: add one.
 */
final class Migrations {
    static final List<List<String>> STEPS = List.of(
            // 1: tasks, their transitions and exits; job results
            List.of("""
                    CREATE TABLE tasks (
                        namespace TEXT NOT NULL, id TEXT NOT NULL, runtime TEXT NOT NULL, spec TEXT NOT NULL,
                        status TEXT NOT NULL, pid INTEGER NOT NULL, start_time INTEGER NOT NULL,
                        created_at INTEGER NOT NULL, PRIMARY KEY (namespace, id))""", """
                    CREATE TABLE transitions (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT NOT NULL, task_id TEXT NOT NULL,
                        status TEXT NOT NULL, pid INTEGER NOT NULL, at INTEGER NOT NULL,
                        FOREIGN KEY (namespace, task_id) REFERENCES tasks (namespace, id) ON DELETE CASCADE)""", """
                    CREATE INDEX transitions_by_task ON transitions (namespace, task_id, seq)""", """
                    CREATE TABLE exits (
                        namespace TEXT NOT NULL, task_id TEXT NOT NULL, exec_id TEXT NOT NULL,
                        exit_code INTEGER NOT NULL, signal INTEGER, oom_killed INTEGER NOT NULL,
                        exited_at INTEGER NOT NULL, PRIMARY KEY (namespace, task_id, exec_id),
                        FOREIGN KEY (namespace, task_id) REFERENCES tasks (namespace, id) ON DELETE CASCADE)""", """
                    CREATE TABLE job_results (
                        job_id TEXT PRIMARY KEY, result TEXT NOT NULL, ended_at INTEGER NOT NULL)"""),
            // 2: services: restarts, an operator's stop, a failure; the exits of past runs; the event sequence
            List.of("ALTER TABLE tasks ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE tasks ADD COLUMN operator_stopped INTEGER NOT NULL DEFAULT 0",
                    "ALTER TABLE tasks ADD COLUMN failure TEXT", """
                    CREATE TABLE past_exits (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, namespace TEXT NOT NULL, task_id TEXT NOT NULL,
                        exit_code INTEGER NOT NULL, signal INTEGER, oom_killed INTEGER NOT NULL, exited_at INTEGER NOT NULL,
                        FOREIGN KEY (namespace, task_id) REFERENCES tasks (namespace, id) ON DELETE CASCADE)""", """
                    CREATE INDEX past_exits_by_task ON past_exits (namespace, task_id, seq)""", """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"""),
            // 3: jobs (0-core commands) and slices, so that a new daemon takes them back; a job's row goes when
            // its result is stored, a slice's (with its jobs' rows) when it is deleted
            List.of("""
                    CREATE TABLE jobs (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL,
                        command TEXT NOT NULL, slice TEXT, submitted_at INTEGER NOT NULL,
                        pid INTEGER NOT NULL DEFAULT 0, start_time INTEGER NOT NULL DEFAULT 0,
                        started_at INTEGER NOT NULL DEFAULT 0, restarts INTEGER NOT NULL DEFAULT 0,
                        resurrections INTEGER NOT NULL DEFAULT 0, next_run_at INTEGER)""", """
                    CREATE TABLE slices (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, yaml TEXT NOT NULL,
                        created_at INTEGER NOT NULL)"""),
            // 4: deletes begun and not finished by the runtime, with what the next daemon needs to finish them
            List.of("""
                    CREATE TABLE pending_deletes (
                        namespace TEXT NOT NULL, id TEXT NOT NULL, runtime TEXT NOT NULL, spec TEXT NOT NULL,
                        requested_at INTEGER NOT NULL, PRIMARY KEY (namespace, id))"""));

    private Migrations() {
    }

    static int version(Connection db) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA user_version")) {
            return r.next() ? r.getInt(1) : 0;
        }
    }

    static void apply(Connection db) throws SQLException {
        int have = version(db);
        if (have > STEPS.size()) {
            throw new SQLException("the store has schema version " + have + ", newer than this Overseer's "
                    + STEPS.size() + ": refusing to touch it");
        }
        for (int v = have; v < STEPS.size(); v++) {
            db.setAutoCommit(false);
            try (Statement s = db.createStatement()) {
                for (String sql : STEPS.get(v)) {
                    s.execute(sql);
                }
                s.execute("PRAGMA user_version = " + (v + 1));
                db.commit();
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        }
    }
}
