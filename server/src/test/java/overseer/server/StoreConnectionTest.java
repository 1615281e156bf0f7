package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreConnectionTest {
    /** SQLite's PRAGMA synchronous levels. */
    private static final int NORMAL = 1;
    private static final int FULL = 2;

    @TempDir
    Path dir;
    private StoreConnection store;

    @BeforeEach
    void open() {
        store = new StoreConnection(dir.resolve("state.db"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private int synchronous() throws SQLException {
        try (Statement s = store.db().createStatement(); ResultSet r = s.executeQuery("PRAGMA synchronous")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    void anUnsyncedCommitIsWrittenAndEveryOtherCommitStaysSynced() throws SQLException {
        assertThat(synchronous()).isEqualTo(FULL);
        int[] during = new int[1];
        store.locked(() -> {
            store.transaction(StoreConnection.Commit.WRITTEN, () -> {
                store.execute("CREATE TABLE t (x INTEGER)");
                store.execute("INSERT INTO t VALUES (1)");
            });
            return null;
        });
        try (var other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
             Statement s = other.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM t")) {
            r.next();
            assertThat(r.getInt(1)).as("committed: another connection reads it").isEqualTo(1);
        }
        assertThat(synchronous()).isEqualTo(FULL);

        assertThatThrownBy(() -> store.locked(() -> {
            store.transaction(StoreConnection.Commit.WRITTEN, () -> {
                during[0] = synchronous();
                store.execute("INSERT INTO missing VALUES (1)");
            });
            return null;
        })).hasMessageContaining("missing");
        assertThat(during[0]).isEqualTo(NORMAL);
        assertThat(synchronous()).as("a failed unsynced transaction leaves the next commit synced").isEqualTo(FULL);
    }

    @Test
    void aStatementIsCompiledOnceAndAFailedWriteLeavesTheNextOneWorking() {
        java.sql.PreparedStatement[] seen = new java.sql.PreparedStatement[3];
        store.locked(() -> {
            store.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)");
            seen[0] = store.statement("INSERT INTO t VALUES (?)");
            seen[0].setInt(1, 1);
            seen[0].executeUpdate();
            seen[1] = store.statement("INSERT INTO t VALUES (?)");
            return null;
        });
        assertThat(seen[1]).as("the same SQL: the statement compiled before").isSameAs(seen[0]);

        assertThatThrownBy(() -> store.locked(() -> {
            java.sql.PreparedStatement p = store.statement("INSERT INTO t VALUES (?)");
            p.setInt(1, 1);
            return p.executeUpdate();
        })).hasMessageContaining("UNIQUE");

        int count = store.locked(() -> {
            seen[2] = store.statement("INSERT INTO t VALUES (?)");
            seen[2].setInt(1, 2);
            seen[2].executeUpdate();
            try (ResultSet r = store.statement("SELECT count(*) FROM t").executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        });
        assertThat(seen[2]).as("compiled anew after the failure").isNotSameAs(seen[0]);
        assertThat(count).isEqualTo(2);
    }

    @Test
    void aStatementOutsideTheLockIsRefused() {
        assertThatThrownBy(() -> store.statement("SELECT 1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lock");
    }
}
