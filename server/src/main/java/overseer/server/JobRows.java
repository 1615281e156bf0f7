package overseer.server;

import overseer.core.OverseerException;

import overseer.core.spi.StateStore.JobRecord;
import overseer.core.spi.StateStore.JobRun;
import overseer.core.spi.StateStore.SliceRecord;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The jobs', job results' and slices' rows of {@link SqliteStateStore}: separate because the job ledger, not tasks, uses them. */
final class JobRows {
    private final StoreConnection store;

    JobRows(StoreConnection store) {
        this.store = store;
    }

    void jobResult(String jobId, String resultJson, Instant at) {
        store.written("jobResult", () -> {
            store.transaction(() -> {
                PreparedStatement p = store.statement(
                        "INSERT OR REPLACE INTO job_results (job_id, result, ended_at) VALUES (?, ?, ?)");
                p.setString(1, jobId);
                p.setString(2, resultJson);
                p.setLong(3, at.toEpochMilli());
                p.executeUpdate();
                p = store.statement("DELETE FROM jobs WHERE job_id = ?");
                p.setString(1, jobId);
                p.executeUpdate();
            });
            return null;
        });
    }

    Optional<String> jobResult(String jobId) {
        return store.locked(() -> {
            PreparedStatement p = store.statement("SELECT result FROM job_results WHERE job_id = ?");
            p.setString(1, jobId);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(r.getString(1)) : Optional.empty();
            }
        });
    }

    JobRecord createJob(String id, String queue, String command, Optional<String> slice, Instant at) {
        return store.written("createJob", () -> {
            PreparedStatement p = store.statement("""
                    INSERT OR IGNORE INTO jobs (job_id, queue, command, slice, submitted_at) VALUES (?, ?, ?, ?, ?)
                    RETURNING seq""");
            p.setString(1, id);
            p.setString(2, queue);
            p.setString(3, command);
            p.setString(4, slice.orElse(null));
            p.setLong(5, at.toEpochMilli());
            try (ResultSet k = p.executeQuery()) {
                if (!k.next()) {
                    throw OverseerException.alreadyExists("job already recorded: %s", id);
                }
                return new JobRecord(k.getLong(1), id, queue, command, slice, JobRun.NONE,
                        Instant.ofEpochMilli(at.toEpochMilli()));
            }
        });
    }

    void jobRun(String id, JobRun run) {
        store.written("jobRun", () -> {
            PreparedStatement p = store.statement("""
                    UPDATE jobs SET pid = ?, start_time = ?, started_at = ?, restarts = ?, resurrections = ?, next_run_at = ?
                    WHERE job_id = ?""");
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
            return null;
        });
    }

    void forgetJob(String id) {
        store.written("forgetJob", () -> {
            PreparedStatement p = store.statement("DELETE FROM jobs WHERE job_id = ?");
            p.setString(1, id);
            p.executeUpdate();
            return null;
        });
    }

    List<JobRecord> jobs() {
        return store.locked(() -> {
            PreparedStatement p = store.statement("SELECT * FROM jobs ORDER BY seq");
            try (ResultSet r = p.executeQuery()) {
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

    void createSlice(String name, String yaml, Instant at) {
        store.written("createSlice", () -> {
            PreparedStatement p = store.statement(
                    "INSERT OR IGNORE INTO slices (name, yaml, created_at) VALUES (?, ?, ?)");
            p.setString(1, name);
            p.setString(2, yaml);
            p.setLong(3, at.toEpochMilli());
            if (p.executeUpdate() == 0) {
                throw OverseerException.alreadyExists("slice already recorded: %s", name);
            }
            return null;
        });
    }

    void deleteSlice(String name) {
        store.written("deleteSlice", () -> {
            store.transaction(() -> {
                PreparedStatement p = store.statement("DELETE FROM slices WHERE name = ?");
                p.setString(1, name);
                p.executeUpdate();
                p = store.statement("DELETE FROM jobs WHERE slice = ?");
                p.setString(1, name);
                p.executeUpdate();
            });
            return null;
        });
    }

    List<SliceRecord> slices() {
        return store.locked(() -> {
            PreparedStatement p = store.statement("SELECT name, yaml, created_at FROM slices ORDER BY seq");
            try (ResultSet r = p.executeQuery()) {
                List<SliceRecord> out = new ArrayList<>();
                while (r.next()) {
                    out.add(new SliceRecord(r.getString(1), r.getString(2), Instant.ofEpochMilli(r.getLong(3))));
                }
                return out;
            }
        });
    }
}
