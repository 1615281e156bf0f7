package overseer.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.core.StateStoreContract;
import overseer.core.Status;
import overseer.core.spi.StateStore;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqliteStateStoreTest extends StateStoreContract {
    @TempDir
    Path dir;

    @Override
    protected StateStore newStore() {
        return new SqliteStateStore(dir.resolve("state.db"));
    }

    @Test
    void stateSurvivesReopening() {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        store.createTask(new StateStore.TaskRecord("default", "web", "oci", "{}", Status.CREATED, 0, 0, Optional.empty(), at));
        store.transition("default", "web", Status.RUNNING, 77, 5555, at);
        store.exited("default", "web", "web", Exit.killed(Signal.SIGTERM, false, at));
        store.close();

        store = newStore();
        StateStore.TaskRecord t = store.task("default", "web").orElseThrow();
        assertThat(t.status()).isEqualTo(Status.STOPPED); // the init's exit stops the task in the same write
        assertThat(t.pid()).isEqualTo(77);
        assertThat(t.startTime()).isEqualTo(5555);
        assertThat(t.exit()).contains(Exit.killed(Signal.SIGTERM, false, at));
        assertThat(store.schemaVersion()).isEqualTo(Migrations.STEPS.size());
    }

    @Test
    void usesWriteAheadLogging() throws Exception {
        store.close();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
             Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA journal_mode")) {
            r.next();
            assertThat(r.getString(1)).isEqualTo("wal");
        }
        store = newStore();
    }

    @Test
    void refusesAStoreFromANewerOverseer() throws Exception {
        store.close();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
             Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }
        assertThatThrownBy(this::newStore).isInstanceOf(OverseerException.class).hasMessageContaining("schema version 99");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
             Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = " + Migrations.STEPS.size());
        }
        store = newStore();
    }

    @Test
    void aFailedChangeLeavesNothingHalfWritten() {
        Instant at = Instant.now();
        store.createTask(new StateStore.TaskRecord("default", "a", "native", "{}", Status.CREATED, 0, 0, Optional.empty(), at));
        assertThatThrownBy(() -> store.transition("default", "missing", Status.RUNNING, 1, 1, at))
                .isInstanceOf(OverseerException.class);
        assertThat(store.history("default", "a")).hasSize(1);
        assertThat(store.history("default", "missing")).isEmpty();
    }

    @Test
    void aLostWalCostsSecondsNotTheHistory() throws Exception {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (int i = 0; i < 50; i++) {
            store.createTask(new StateStore.TaskRecord("default", "t" + i, "native", "{}", Status.CREATED, 0, 0,
                    Optional.empty(), at));
        }
        // What a crash plus a lost -wal would leave: the database file alone.
        Path alone = dir.resolve("alone");
        java.nio.file.Files.createDirectories(alone);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).until(() -> {
            java.nio.file.Files.copy(dir.resolve("state.db"), alone.resolve("state.db"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            java.nio.file.Files.deleteIfExists(alone.resolve("state.db-wal"));
            java.nio.file.Files.deleteIfExists(alone.resolve("state.db-shm"));
            try (var c = DriverManager.getConnection("jdbc:sqlite:" + alone.resolve("state.db"));
                 Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM tasks")) {
                return r.next() && r.getInt(1) == 50;
            } catch (java.sql.SQLException notYet) {
                return false; // the file alone has no schema yet
            }
        });
    }
}
