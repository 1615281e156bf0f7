package overseer.supervisor;

import org.junit.jupiter.api.Test;
import overseer.core.Signal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Queues, restarts with backoff, recurring runs, stop signals, run-block, Killall and shutdown. */
class PoliciesTest extends SupervisorFixture {
    private static final Backoff FAST = new Backoff(Duration.ofMillis(10), 2.0, Duration.ofMillis(40));

    @Test
    void sameQueueRunsOneAtATimeInOrder() throws Exception {
        Job a = supervisor.run(with(shell(uniqueId("qa"), "sleep 0.3"), "serial", 0, 0, 0, List.of(), false));
        Job b = supervisor.run(with(shell(uniqueId("qb"), "true"), "serial", 0, 0, 0, List.of(), false));
        JobResult ra = a.await();
        JobResult rb = b.await();
        assertThat(rb.starttime()).isGreaterThanOrEqualTo(ra.starttime() + ra.time());
    }

    @Test
    void differentQueuesRunInParallel() throws Exception {
        Job a = supervisor.run(with(shell(uniqueId("pa"), "sleep 0.5"), "one", 0, 0, 0, List.of(), false));
        Job b = supervisor.run(with(shell(uniqueId("pb"), "sleep 0.5"), "two", 0, 0, 0, List.of(), false));
        JobResult ra = a.await();
        JobResult rb = b.await();
        assertThat(rb.starttime()).isLessThan(ra.starttime() + ra.time());
    }

    @Test
    void killingAQueuedJobNeverRunsIt() throws Exception {
        Job a = supervisor.run(with(shell(uniqueId("holder"), "sleep 1000"), "held", 0, 0, 0, List.of(), false));
        Job b = supervisor.run(with(shell(uniqueId("waiter"), "echo ran"), "held", 0, 0, 0, List.of(), false));
        b.kill();
        JobResult rb = b.await();
        assertThat(rb.state()).isEqualTo(JobState.KILLED);
        assertThat(rb.streams().getFirst()).isEmpty();
        a.kill();
        a.await();
    }

    @Test
    void maxRestartRestartsAFailingCommand() throws Exception {
        Command c = with(shell(uniqueId("flaky"), "exit 3"), "", 0, 2, 0, List.of(), false);
        Job job = supervisor.run(c, JobOptions.builder()
                .restart(RestartPolicy.onFailure(2).withBackoff(FAST, Duration.ofHours(1))).build());
        JobResult r = job.await();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(job.diagnostics().resurrectionCount()).isEqualTo(2);
        assertThat(job.diagnostics().exitLog()).extracting(Diagnostics.ExitLogEntry::exitCode).containsExactly(3, 3, 3);
        assertThat(job.diagnostics().exitLog()).extracting(Diagnostics.ExitLogEntry::message).containsExactly(
                "restart 1 of 2 in 10 ms", "restart 2 of 2 in 20 ms", "not restarted: 2 restarts made");
    }

    @Test
    void maxRestartFromTheCommandAlone() throws Exception {
        Job job = supervisor.run(with(shell(uniqueId("seed"), "exit 1"), "", 0, 1, 0, List.of(), false));
        job.await();
        assertThat(job.diagnostics().resurrectionCount()).isEqualTo(1); // after the default 1 s backoff
    }

    @Test
    void alwaysRestartsEvenASuccess() throws Exception {
        Job job = supervisor.run(shell(uniqueId("always"), "true"), JobOptions.builder()
                .restart(new RestartPolicy(RestartPolicy.Mode.ALWAYS, 2, FAST, Duration.ofHours(1))).build());
        assertThat(job.await().state()).isEqualTo(JobState.SUCCESS);
        assertThat(job.diagnostics().resurrectionCount()).isEqualTo(2);
    }

    @Test
    void neverRestarts() throws Exception {
        Job job = supervisor.run(shell(uniqueId("never"), "exit 1"), JobOptions.builder()
                .restart(new RestartPolicy(RestartPolicy.Mode.NEVER, 5, FAST, Duration.ofHours(1))).build());
        job.await();
        assertThat(job.diagnostics().resurrectionCount()).isZero();
        assertThat(job.diagnostics().exitLog()).extracting(Diagnostics.ExitLogEntry::message).containsExactly("ended");
    }

    @Test
    void aStableRunResetsTheRestartCount() throws Exception {
        // minUptime zero: every run counts as stable, so max 1 restart never runs out.
        Job job = supervisor.run(shell(uniqueId("stable"), "exit 1"), JobOptions.builder()
                .restart(new RestartPolicy(RestartPolicy.Mode.ON_FAILURE, 1, FAST, Duration.ZERO)).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> job.diagnostics().resurrectionCount() >= 4);
        job.kill();
        assertThat(job.await().state()).isEqualTo(JobState.KILLED);
        assertThat(job.diagnostics().exitLog()).extracting(Diagnostics.ExitLogEntry::message)
                .contains("restart 1 of 1 in 10 ms");
    }

    @Test
    void exitLogIsBounded() throws Exception {
        Job job = supervisor.run(shell(uniqueId("bounded"), "exit 1"), JobOptions.builder().exitLogSize(2)
                .restart(new RestartPolicy(RestartPolicy.Mode.ON_FAILURE, 4, FAST, Duration.ofHours(1))).build());
        job.await();
        assertThat(job.diagnostics().resurrectionCount()).isEqualTo(4);
        assertThat(job.diagnostics().exitLog()).hasSize(2);
    }

    @Test
    void recurringRunsAgainUntilKilled() throws Exception {
        Job job = supervisor.run(with(shell(uniqueId("cron"), "echo tick"), "", 0, 0, 1, List.of(), false));
        await().atMost(Duration.ofSeconds(10)).until(() -> job.diagnostics().resurrectionCount() >= 1
                && job.diagnostics().exitLog().size() >= 2);
        job.kill();
        JobResult r = job.await();
        assertThat(r.state()).isEqualTo(JobState.KILLED);
        assertThat(r.streams().getFirst()).isEqualTo("tick");
        assertThat(job.diagnostics().exitLog()).allSatisfy(e -> assertThat(e.message()).isEqualTo("next run in 1 s"));
    }

    @Test
    void stopSignalByNameThenSigkillAfterTheGrace() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        Job polite = supervisor.run(shell(uniqueId("polite"), "trap 'exit 0' INT; echo ready; while :; do sleep 0.05; done"),
                JobOptions.builder().stopSignal(Signal.parse("INT")).hook(readyHook(ready)).build());
        awaitReady(ready);
        polite.kill();
        JobResult r = polite.await();
        assertThat(r.state()).isEqualTo(JobState.KILLED);
        assertThat(r.code()).isZero();

        CountDownLatch ready2 = new CountDownLatch(1);
        Job stubborn = supervisor.run(shell(uniqueId("stubborn"), "trap '' TERM; echo ready; while :; do sleep 0.05; done"),
                JobOptions.builder().stopGrace(Duration.ofMillis(200)).hook(readyHook(ready2)).build());
        awaitReady(ready2);
        stubborn.kill();
        JobResult r2 = stubborn.await();
        assertThat(r2.state()).isEqualTo(JobState.KILLED);
        assertThat(r2.code()).isEqualTo(JobResult.SIGNALED);
    }

    @Test
    void runBlockLaunchesOnFirstAttach() throws Exception {
        Job job = supervisor.run(shell(uniqueId("blocked"), "echo launched"), JobOptions.builder().runBlock(true).build());
        assertThat(job.blocked()).isTrue();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> job.lastResult().isEmpty());
        job.attach();
        assertThat(job.blocked()).isFalse();
        assertThat(job.await().streams().getFirst()).isEqualTo("launched");
    }

    @Test
    void killAllSparesProtectedJobs() throws Exception {
        Job plain = supervisor.run(shell(uniqueId("plain"), "sleep 1000"));
        Job guarded = supervisor.run(with(shell(uniqueId("guarded"), "sleep 1000"), "", 0, 0, 0, List.of(), true));
        await().atMost(Duration.ofSeconds(5)).until(() -> plain.pid() > 0 && guarded.pid() > 0);
        assertThat(supervisor.jobs()).containsKeys(plain.command().id(), guarded.command().id());
        supervisor.killAll();
        assertThat(plain.await().state()).isEqualTo(JobState.KILLED);
        assertThat(guarded.await(Duration.ofMillis(300))).isEmpty();
        assertThat(supervisor.jobs()).containsOnlyKeys(guarded.command().id());
    }

    @Test
    void shutdownStopsEverythingWithinItsBound() throws Exception {
        Job guarded = supervisor.run(with(shell(uniqueId("g"), "sleep 1000"), "", 0, 0, 0, List.of(), true));
        CountDownLatch ready = new CountDownLatch(1);
        Job stubborn = supervisor.run(shell(uniqueId("s"), "trap '' TERM; echo ready; while :; do sleep 0.05; done"),
                JobOptions.builder().stopGrace(Duration.ofHours(1)).hook(readyHook(ready)).build());
        awaitReady(ready);
        supervisor.shutdown(Duration.ofMillis(500));
        assertThat(guarded.onResult()).isDone();
        assertThat(stubborn.onResult()).isDone();
        assertThat(stubborn.await().code()).isEqualTo(JobResult.SIGNALED);
        assertThat(supervisor.jobs()).isEmpty();
    }

    static JobHook readyHook(CountDownLatch ready) {
        return JobHook.match("^ready$", m -> ready.countDown());
    }

    static void awaitReady(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(10, TimeUnit.SECONDS)).as("the job said it was ready").isTrue();
    }
}
