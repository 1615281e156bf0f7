package overseer.supervisor;

import org.junit.jupiter.api.Test;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Where a job begins and ends: a kill at its start, its refusals, and the handlers told of them. */
class JobEdgesTest extends SupervisorFixture {
    private static ObjectNode badArguments() {
        return Commands.JSON.createObjectNode().put("name", "/bin/true").put("colour", "red");
    }

    /**
     * A kill after the loop's last look for one, before the run is in place: the run starts, is stopped, and
     * its real end is the result; its task is deleted, not left behind.
     */
    @Test
    void aKillJustBeforeTheRunStartsStopsTheRunItStarts() throws Exception {
        killInTheGap(id -> supervisor.kill(id));
    }

    /** Shutdown's SIGKILL in the same gap: the run it meets is stopped and deleted too, its end the result. */
    @Test
    void aForcedKillJustBeforeTheRunStartsStopsTheRunItStarts() throws Exception {
        killInTheGap(id -> ((SupervisedJob) supervisor.jobs().get(id)).forceKill());
    }

    /** Five jobs, each killed in the gap (what the old interrupt did there depended on where it was seen). */
    private void killInTheGap(Consumer<String> kill) throws Exception {
        List<String> ids = IntStream.range(0, 5).mapToObj(i -> uniqueId("gap")).toList();
        ids.forEach(id -> RunLoop.BEFORE_RUN.put(id, () -> kill.accept(id)));
        try {
            // Its stop signal is one a process ignores unless it asks for it (SIGWINCH): it outlives it, so the
            // run's wait for its exit does wait, and the SIGKILL after the grace ends it.
            List<Job> jobs = ids.stream().map(id -> supervisor.run(JobSpec.builder(id)
                    .process(ProcessSpec.builder("/bin/sleep", "1000").captureOutput().build())
                    .options(JobOptions.builder().stopSignal(Signal.parse("SIGWINCH")).stopGrace(Duration.ofMillis(200))
                            .build()).build())).toList();
            for (Job job : jobs) {
                JobResult r = job.await(Duration.ofSeconds(20)).orElseThrow();
                assertThat(r.state()).isEqualTo(JobState.KILLED);
                assertThat(r.data()).isNotEqualTo("killed before it ran");
                assertThat(r.code()).as("ended by the stop sequence's SIGKILL").isEqualTo(JobResult.SIGNALED);
                assertThat(job.diagnostics().exitLog()).singleElement()
                        .satisfies(e -> assertThat(e.signal()).contains(Signal.SIGKILL.name()));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> tasks.list(supervisor.namespace()).stream()
                    .noneMatch(t -> ids.contains(t.id())));
        } finally {
            ids.forEach(RunLoop.BEFORE_RUN::remove);
        }
    }

    /** A handler that throws (a ledger on a full disk) is logged: a refused command still returns its job. */
    @Test
    void aThrowingHandlerDoesNotFailARefusedCommand() throws Exception {
        List<JobResult> seen = new CopyOnWriteArrayList<>();
        List<String> ended = new CopyOnWriteArrayList<>();
        supervisor.onResult(r -> {
            throw new IllegalStateException("disk full");
        });
        supervisor.onResult(seen::add);
        supervisor.onEnded(j -> {
            throw new IllegalStateException("disk full");
        });
        supervisor.onEnded(j -> ended.add(j.command().id()));

        String bad = uniqueId("bad");
        JobResult r = supervisor.run(Command.system(bad, badArguments())).await();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(r.code()).isEqualTo(400);
        String unknown = uniqueId("unknown");
        JobResult u = supervisor.run(Command.builder("no.such.kind").id(unknown).build()).await();
        assertThat(u.state()).isEqualTo(JobState.UNKNOWN_CMD);
        assertThat(seen).extracting(JobResult::id).containsExactly(bad, unknown);
        assertThat(ended).containsExactly(bad, unknown);
    }

    /** 0-core checks the id before the arguments: a live job's id with bad arguments is a duplicate. */
    @Test
    void aLiveIdWithBadArgumentsIsADuplicate() throws Exception {
        String id = uniqueId("dup");
        Job live = supervisor.run(Command.system(id, sh("sleep 1000")));
        JobResult r = supervisor.run(Command.system(id, badArguments())).await();
        assertThat(r.state()).isEqualTo(JobState.DUPILICATE_ID);
        assertThat(supervisor.job(id)).isSameAs(live);
        live.kill();
        assertThat(live.await().state()).isEqualTo(JobState.KILLED);
    }
}
