package overseer.server;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.core.Status;

import overseer.core.spi.StateStore.ServiceState;
import overseer.core.spi.StateStore.TaskRecord;
import overseer.core.spi.StateStore.Transition;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The tasks' rows (tasks, exits, past exits, transitions) of {@link SqliteStateStore}: separate so the store itself stays a short list of what it records. */
final class TaskRows {
    private final StoreConnection store;

    TaskRows(StoreConnection store) {
        this.store = store;
    }

    void createTask(TaskRecord t) {
        store.written("createTask", () -> {
            if (find(t.namespace(), t.id()).isPresent()) {
                throw OverseerException.alreadyExists("task already exists: %s/%s", t.namespace(), t.id());
            }
            store.transaction(() -> {
                PreparedStatement p = store.statement("""
                        INSERT INTO tasks (namespace, id, runtime, spec, status, pid, start_time, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)""");
                p.setString(1, t.namespace());
                p.setString(2, t.id());
                p.setString(3, t.runtime());
                p.setString(4, t.spec());
                p.setString(5, t.status().name());
                p.setLong(6, t.pid());
                p.setLong(7, t.startTime());
                p.setLong(8, t.createdAt().toEpochMilli());
                p.executeUpdate();
                if (t.exit().isPresent()) {
                    insertExit(t.namespace(), t.id(), t.id(), t.exit().get());
                }
                if (!t.service().equals(ServiceState.NEW)) {
                    p = store.statement(
                            "UPDATE tasks SET restarts = ?, operator_stopped = ?, failure = ? WHERE namespace = ? AND id = ?");
                    p.setInt(1, t.service().restarts());
                    p.setInt(2, t.service().operatorStopped() ? 1 : 0);
                    p.setString(3, t.service().failure().orElse(null));
                    p.setString(4, t.namespace());
                    p.setString(5, t.id());
                    p.executeUpdate();
                }
                insertTransition(t.namespace(), t.id(), t.status(), t.pid(), t.createdAt());
            });
            return null;
        });
    }

    void transition(String namespace, String id, Status status, long pid, long startTime, Instant at) {
        transition("transition", StoreConnection.Commit.SYNCED, namespace, id, status, pid, startTime, at);
    }

    /** {@link overseer.core.spi.StateStore#starting}: written before the spawn, synced by the start's next write. */
    void starting(String namespace, String id, Instant at) {
        transition("starting", StoreConnection.Commit.WRITTEN, namespace, id, Status.RUNNING, 0, 0, at);
    }

    private void transition(String operation, StoreConnection.Commit commit, String namespace, String id, Status status,
                            long pid, long startTime, Instant at) {
        store.written(operation, () -> {
            store.transaction(commit, () -> {
                PreparedStatement p = store.statement(
                        "UPDATE tasks SET status = ?, pid = ?, start_time = ? WHERE namespace = ? AND id = ?");
                p.setString(1, status.name());
                p.setLong(2, pid);
                p.setLong(3, startTime);
                p.setString(4, namespace);
                p.setString(5, id);
                if (p.executeUpdate() == 0) {
                    throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                }
                insertTransition(namespace, id, status, pid, at);
            });
            return null;
        });
    }

    void started(String namespace, String id, long pid, long startTime, Instant at) {
        store.written("started", () -> {
            store.transaction(() -> {
                PreparedStatement p = store.statement(
                        "UPDATE tasks SET pid = ?, start_time = ? WHERE namespace = ? AND id = ?");
                p.setLong(1, pid);
                p.setLong(2, startTime);
                p.setString(3, namespace);
                p.setString(4, id);
                if (p.executeUpdate() == 0) {
                    throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                }
                insertTransition(namespace, id, Status.RUNNING, pid, at);
            });
            return null;
        });
    }

    boolean exited(String namespace, String id, String execId, Exit exit) {
        return store.written("exited", () -> {
            if (find(namespace, id).isEmpty()) {
                throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
            }
            boolean[] fresh = new boolean[1];
            store.transaction(() -> {
                fresh[0] = insertExit(namespace, id, execId, exit);
                if (fresh[0] && execId.equals(id)) {
                    PreparedStatement p = store.statement(
                            "UPDATE tasks SET status = ? WHERE namespace = ? AND id = ?");
                    p.setString(1, Status.STOPPED.name());
                    p.setString(2, namespace);
                    p.setString(3, id);
                    p.executeUpdate();
                    insertTransition(namespace, id, Status.STOPPED, 0, exit.exitedAt());
                }
            });
            return fresh[0];
        });
    }

    void spec(String namespace, String id, String spec) {
        update("spec", namespace, id, "UPDATE tasks SET spec = ? WHERE namespace = ? AND id = ?", p -> p.setString(1, spec));
    }

    void service(String namespace, String id, ServiceState state) {
        update("service", namespace, id, "UPDATE tasks SET restarts = ?, operator_stopped = ?, failure = ? WHERE namespace = ? AND id = ?",
                p -> {
                    p.setInt(1, state.restarts());
                    p.setInt(2, state.operatorStopped() ? 1 : 0);
                    p.setString(3, state.failure().orElse(null));
                });
    }

    void restarting(String namespace, String id, ServiceState state, Instant at) {
        store.written("restarting", () -> {
            store.transaction(() -> {
                PreparedStatement p = store.statement("""
                        INSERT INTO past_exits (namespace, task_id, exit_code, signal, oom_killed, exited_at)
                        SELECT namespace, task_id, exit_code, signal, oom_killed, exited_at FROM exits
                        WHERE namespace = ? AND task_id = ? AND exec_id = ?""");
                p.setString(1, namespace);
                p.setString(2, id);
                p.setString(3, id);
                p.executeUpdate();
                p = store.statement(
                        "DELETE FROM exits WHERE namespace = ? AND task_id = ? AND exec_id = ?");
                p.setString(1, namespace);
                p.setString(2, id);
                p.setString(3, id);
                p.executeUpdate();
                p = store.statement("""
                        UPDATE tasks SET status = ?, pid = 0, start_time = 0, restarts = ?, operator_stopped = ?, failure = ?
                        WHERE namespace = ? AND id = ?""");
                p.setString(1, Status.CREATED.name());
                p.setInt(2, state.restarts());
                p.setInt(3, state.operatorStopped() ? 1 : 0);
                p.setString(4, state.failure().orElse(null));
                p.setString(5, namespace);
                p.setString(6, id);
                if (p.executeUpdate() == 0) {
                    throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                }
                insertTransition(namespace, id, Status.CREATED, 0, at);
            });
            return null;
        });
    }

    List<Exit> pastExits(String namespace, String id, int limit) {
        return store.locked(() -> {
            PreparedStatement p = store.statement("""
                    SELECT exit_code, signal, oom_killed, exited_at FROM past_exits WHERE namespace = ? AND task_id = ?
                    ORDER BY seq DESC LIMIT ?""");
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
        });
    }

    Optional<TaskRecord> task(String namespace, String id) {
        return store.locked(() -> find(namespace, id));
    }

    List<TaskRecord> tasks() {
        return store.locked(() -> query("SELECT * FROM tasks ORDER BY namespace, id"));
    }

    List<Transition> history(String namespace, String id) {
        return store.locked(() -> {
            PreparedStatement p = store.statement(
                    "SELECT status, pid, at FROM transitions WHERE namespace = ? AND task_id = ? ORDER BY seq");
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
        });
    }

    void deleteTask(String namespace, String id) {
        store.written("deleteTask", () -> {
            store.transaction(() -> {
                PreparedStatement p = store.statement("DELETE FROM tasks WHERE namespace = ? AND id = ?");
                p.setString(1, namespace);
                p.setString(2, id);
                if (p.executeUpdate() == 0) {
                    throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
                }
            });
            return null;
        });
    }

    private void insertTransition(String namespace, String id, Status status, long pid, Instant at) throws SQLException {
        PreparedStatement p = store.statement(
                "INSERT INTO transitions (namespace, task_id, status, pid, at) VALUES (?, ?, ?, ?, ?)");
        p.setString(1, namespace);
        p.setString(2, id);
        p.setString(3, status.name());
        p.setLong(4, pid);
        p.setLong(5, at.toEpochMilli());
        p.executeUpdate();
    }

    private interface Binder {
        void bind(PreparedStatement p) throws SQLException;
    }

    /** One UPDATE of one task; the statement ends with "WHERE namespace = ? AND id = ?" after the bound values. */
    private void update(String operation, String namespace, String id, String sql, Binder values) {
        store.written(operation, () -> {
            PreparedStatement p = store.statement(sql);
            values.bind(p);
            int n = p.getParameterMetaData().getParameterCount();
            p.setString(n - 1, namespace);
            p.setString(n, id);
            if (p.executeUpdate() == 0) {
                throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
            }
            return null;
        });
    }

    /** Inserts the exit unless one is recorded for the process already; whether it did. */
    private boolean insertExit(String namespace, String id, String execId, Exit exit) throws SQLException {
        PreparedStatement p = store.statement("""
                INSERT OR IGNORE INTO exits (namespace, task_id, exec_id, exit_code, signal, oom_killed, exited_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""");
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

    private static Exit exitOf(ResultSet r) throws SQLException {
        int signal = r.getInt(2);
        Optional<Signal> sig = r.wasNull() ? Optional.empty() : Optional.of(Signal.of(signal));
        return new Exit(r.getInt(1), sig, r.getInt(3) == 1, Instant.ofEpochMilli(r.getLong(4)));
    }

    private Optional<TaskRecord> find(String namespace, String id) throws SQLException {
        PreparedStatement p = store.statement("SELECT * FROM tasks WHERE namespace = ? AND id = ?");
        p.setString(1, namespace);
        p.setString(2, id);
        List<TaskRecord> found = read(p);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    private List<TaskRecord> query(String sql) throws SQLException {
        PreparedStatement p = store.statement(sql);
        return read(p);
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
        PreparedStatement p = store.statement(
                "SELECT exit_code, signal, oom_killed, exited_at FROM exits WHERE namespace = ? AND task_id = ? AND exec_id = ?");
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
