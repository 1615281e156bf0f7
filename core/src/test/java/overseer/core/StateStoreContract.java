package overseer.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.spi.StateStore;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every StateStore does; run against each implementation. */
public abstract class StateStoreContract {
    protected StateStore store;
    // Stores keep at least millisecond precision.
    private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    protected abstract StateStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private StateStore.TaskRecord record(String ns, String id) {
        return new StateStore.TaskRecord(ns, id, "native", "{\"args\":[\"/bin/true\"]}", Status.CREATED, 0, 0,
                Optional.empty(), t0);
    }

    @Test
    void createsAndReadsATask() {
        store.createTask(record("default", "a"));
        assertThat(store.task("default", "a")).contains(record("default", "a"));
        assertThat(store.task("default", "b")).isEmpty();
        assertThat(store.task("other", "a")).isEmpty();
    }

    @Test
    void duplicateTaskIsRefused() {
        store.createTask(record("default", "a"));
        assertThatThrownBy(() -> store.createTask(record("default", "a"))).isInstanceOfSatisfying(OverseerException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
    }

    @Test
    void transitionsAreRecordedInOrder() {
        store.createTask(record("default", "a"));
        store.transition("default", "a", Status.RUNNING, 42, 1234, t0.plusMillis(1));
        store.transition("default", "a", Status.STOPPED, 42, 1234, t0.plusMillis(2));
        assertThat(store.task("default", "a").orElseThrow()).satisfies(t -> {
            assertThat(t.status()).isEqualTo(Status.STOPPED);
            assertThat(t.pid()).isEqualTo(42);
            assertThat(t.startTime()).isEqualTo(1234);
        });
        assertThat(store.history("default", "a")).extracting(StateStore.Transition::status)
                .containsExactly(Status.CREATED, Status.RUNNING, Status.STOPPED);
        assertThat(store.history("default", "a").get(2).at()).isEqualTo(t0.plusMillis(2));
    }

    @Test
    void startingRecordsRunningWithNoPidYet() {
        store.createTask(record("default", "a"));
        store.starting("default", "a", t0.plusMillis(1));
        assertThat(store.task("default", "a").orElseThrow()).satisfies(t -> {
            assertThat(t.status()).isEqualTo(Status.RUNNING);
            assertThat(t.pid()).isZero();
        });
        store.started("default", "a", 42, 1234, t0.plusMillis(2));
        assertThat(store.task("default", "a").orElseThrow().pid()).isEqualTo(42);
        assertThat(store.history("default", "a")).extracting(StateStore.Transition::status)
                .containsExactly(Status.CREATED, Status.RUNNING, Status.RUNNING);
        assertThatThrownBy(() -> store.starting("default", "x", t0))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }

    @Test
    void exitOfTheInitProcessIsKept() {
        store.createTask(record("default", "a"));
        Exit killed = Exit.killed(Signal.SIGKILL, true, t0);
        store.exited("default", "a", "probe", Exit.exited(3, t0));
        assertThat(store.task("default", "a").orElseThrow().exit()).isEmpty();
        store.exited("default", "a", "a", killed);
        assertThat(store.task("default", "a").orElseThrow().exit()).contains(killed);
    }

    @Test
    void unknownTaskIsNotFound() {
        assertThatThrownBy(() -> store.transition("default", "x", Status.RUNNING, 1, 1, t0))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
        assertThatThrownBy(() -> store.deleteTask("default", "x"))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }

    @Test
    void deleteForgetsTaskAndHistory() {
        store.createTask(record("default", "a"));
        store.createTask(record("default", "b"));
        store.deleteTask("default", "a");
        assertThat(store.tasks()).extracting(StateStore.TaskRecord::id).containsExactly("b");
        assertThat(store.history("default", "a")).isEmpty();
    }

    @Test
    void aPendingDeleteOutlivesTheTaskRowUntilItIsFinished() {
        store.createTask(record("default", "a"));
        assertThatThrownBy(() -> store.deleteRequested("default", "missing", t0)).isInstanceOfSatisfying(
                OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));

        store.deleteRequested("default", "a", t0.plusMillis(5));
        store.deleteTask("default", "a");

        assertThat(store.pendingDeletes()).containsExactly(new StateStore.PendingDelete("default", "a", "native",
                record("default", "a").spec(), t0.plusMillis(5)));
        store.deleteFinished("default", "a", t0); // another request's: this one stays
        assertThat(store.pendingDeletes()).hasSize(1);
        store.deleteFinished("default", "a", t0.plusMillis(5));
        store.deleteFinished("default", "a", t0.plusMillis(5)); // twice: nothing
        assertThat(store.pendingDeletes()).isEmpty();
    }

    @Test
    void tasksAreListedByNamespaceThenId() {
        store.createTask(record("zeta", "a"));
        store.createTask(record("alpha", "b"));
        store.createTask(record("alpha", "a"));
        assertThat(store.tasks()).extracting(t -> t.namespace() + "/" + t.id())
                .containsExactly("alpha/a", "alpha/b", "zeta/a");
    }

    @Test
    void jobResultsAreReplacedById() {
        store.jobResult("j", "{\"state\":\"ERROR\"}", t0);
        store.jobResult("j", "{\"state\":\"SUCCESS\"}", t0);
        assertThat(store.jobResult("j")).contains("{\"state\":\"SUCCESS\"}");
        assertThat(store.jobResult("k")).isEmpty();
    }

    @Test
    void anExitIsWrittenOnceAndStopsTheTask() {
        store.createTask(record("default", "a"));
        store.transition("default", "a", Status.RUNNING, 42, 7, t0);
        assertThat(store.exited("default", "a", "a", Exit.exited(3, t0))).isTrue();
        assertThat(store.exited("default", "a", "a", Exit.exited(3, t0.plusSeconds(60)))).isFalse();
        StateStore.TaskRecord r = store.task("default", "a").orElseThrow();
        assertThat(r.status()).isEqualTo(Status.STOPPED);
        assertThat(r.exit()).contains(Exit.exited(3, t0));
    }

    @Test
    void aRestartKeepsThePastExitAndTheServiceState() {
        store.createTask(record("default", "a"));
        store.transition("default", "a", Status.RUNNING, 42, 7, t0);
        store.exited("default", "a", "a", Exit.exited(1, t0));
        store.restarting("default", "a", new StateStore.ServiceState(1, false, Optional.empty()), t0);
        StateStore.TaskRecord r = store.task("default", "a").orElseThrow();
        assertThat(r.status()).isEqualTo(Status.CREATED);
        assertThat(r.exit()).isEmpty();
        assertThat(r.service().restarts()).isEqualTo(1);
        assertThat(store.pastExits("default", "a", 10)).containsExactly(Exit.exited(1, t0));
        assertThat(store.exited("default", "a", "a", Exit.exited(2, t0.plusSeconds(1)))).isTrue();
        store.service("default", "a", new StateStore.ServiceState(1, true, Optional.of("start limit")));
        assertThat(store.task("default", "a").orElseThrow().service())
                .isEqualTo(new StateStore.ServiceState(1, true, Optional.of("start limit")));
    }

    @Test
    void theSpecCanBeReplaced() {
        store.createTask(record("default", "a"));
        store.spec("default", "a", "{\"version\":1}");
        assertThat(store.task("default", "a").orElseThrow().spec()).isEqualTo("{\"version\":1}");
    }

    @Test
    void theEventSequenceOnlyRises() {
        assertThat(store.eventSequence()).isZero();
        store.reserveEvents(10_000);
        store.reserveEvents(5);
        assertThat(store.eventSequence()).isEqualTo(10_000);
    }

    @Test
    void jobsAreListedInSubmissionOrderUntilTheirResultIsStored() {
        StateStore.JobRecord a = store.createJob("a", "q", "{\"command\":\"core.system\"}", Optional.empty(), t0);
        store.createJob("c", "", "{}", Optional.empty(), t0);
        store.createJob("b", "q", "{}", Optional.empty(), t0);
        assertThat(a.run()).isEqualTo(StateStore.JobRun.NONE);
        assertThat(store.jobs()).extracting(StateStore.JobRecord::id).containsExactly("a", "c", "b");
        assertThat(store.jobs()).extracting(StateStore.JobRecord::seq).isSorted();
        assertThat(store.jobs().getFirst()).isEqualTo(a);
        store.jobResult("a", "{\"state\":\"SUCCESS\"}", t0);
        assertThat(store.jobs()).extracting(StateStore.JobRecord::id).containsExactly("c", "b");
        store.forgetJob("c");
        store.forgetJob("never");
        assertThat(store.jobs()).extracting(StateStore.JobRecord::id).containsExactly("b");
    }

    @Test
    void aDuplicateJobIsRefusedAndAnUnknownOneIsNotFound() {
        store.createJob("a", "", "{}", Optional.empty(), t0);
        assertThatThrownBy(() -> store.createJob("a", "", "{}", Optional.empty(), t0))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
        assertThatThrownBy(() -> store.jobRun("x", StateStore.JobRun.NONE))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.NOT_FOUND));
    }

    @Test
    void aJobsRunIsKept() {
        store.createJob("a", "", "{}", Optional.of("s"), t0);
        StateStore.JobRun run = new StateStore.JobRun(42, 1234, t0, 2, 3, Optional.of(t0.plusSeconds(60)));
        store.jobRun("a", run);
        assertThat(store.jobs().getFirst().run()).isEqualTo(run);
        assertThat(store.jobs().getFirst().slice()).contains("s");
        store.jobRun("a", new StateStore.JobRun(0, 0, t0, 2, 3, Optional.empty()));
        assertThat(store.jobs().getFirst().run().nextRunAt()).isEmpty();
    }

    @Test
    void aDeletedSliceTakesItsJobsWithIt() {
        store.createSlice("web", "services: []", t0);
        store.createSlice("db", "services: []", t0);
        assertThatThrownBy(() -> store.createSlice("web", "", t0))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
        store.createJob("web-a", "", "", Optional.of("web"), t0);
        store.createJob("db-a", "", "", Optional.of("db"), t0);
        store.createJob("plain", "", "{}", Optional.empty(), t0);
        assertThat(store.slices()).containsExactly(new StateStore.SliceRecord("web", "services: []", t0),
                new StateStore.SliceRecord("db", "services: []", t0));
        store.deleteSlice("web");
        store.deleteSlice("never");
        assertThat(store.slices()).extracting(StateStore.SliceRecord::name).containsExactly("db");
        assertThat(store.jobs()).extracting(StateStore.JobRecord::id).containsExactly("db-a", "plain");
    }
}
