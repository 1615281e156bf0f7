package overseer.supervisor;

import org.junit.jupiter.api.Test;
import overseer.core.Signal;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Where Overseer's supervisor behaves as 0-core v1.2.2's process manager (base/pm), and where it deliberately
 * does not (docs/compatibility.md). Each test cites the original's file.
 */
class ZeroCoreFidelityTest extends SupervisorFixture {
    private static final Backoff FAST = new Backoff(Duration.ofMillis(10), 2.0, Duration.ofMillis(40));

    // --- JobResult on the wire -------------------------------------------------------------------------

    /** base/pm/result.go: StateDuplicateID JobState = "DUPILICATE_ID". */
    @Test
    void duplicateIdIsSpelledAsZeroCoreDoes() throws Exception {
        String id = uniqueId("dup");
        Job first = supervisor.run(shell(id, "sleep 1000"));
        JobResult r = supervisor.run(shell(id, "true")).await();
        assertThat(Commands.JSON.readTree(Commands.toJson(r)).get("state").asString()).isEqualTo("DUPILICATE_ID");
        first.kill();
        first.await();
    }

    /** base/pm/result.go: JobResult.Container uint64 `json:"container"`, 0 for a job of the host. */
    @Test
    void resultCarriesContainerZeroForHostJobsAsZeroCoreDoes() throws Exception {
        JsonNode r = Commands.JSON.readTree(Commands.toJson(supervisor.run(shell(uniqueId("c"), "true")).await()));
        assertThat(r.get("container").isIntegralNumber()).isTrue();
        assertThat(r.get("container").asLong()).isZero();
        assertThat(r.properties()).extracting(Map.Entry::getKey).containsExactlyInAnyOrder("id", "command", "data",
                "streams", "critical", "level", "state", "code", "starttime", "time", "tags", "container");
    }

    /** base/pm/systemprocess.go: NewMetaWithCode(uint32(1000+code), ...) for a non-zero exit status. */
    @Test
    void exitStatusIsCodedAsThousandPlusStatusAsZeroCoreDoes() throws Exception {
        JobResult r = supervisor.run(shell(uniqueId("three"), "exit 3")).await();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(r.code()).isEqualTo(1003);
        assertThat(supervisor.run(shell(uniqueId("zero"), "exit 0")).await().code()).isZero();
    }

    /** base/pm/systemprocess.go: a signalled process has ExitStatus() -1, so its code is 1000 + -1 = 999. */
    @Test
    void deathBySignalIsCoded999AsZeroCoreDoes() throws Exception {
        JobResult r = supervisor.run(shell(uniqueId("sig"), "kill -KILL $$")).await();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(r.code()).isEqualTo(999);
    }

    /** base/pm/systemprocess.go: exec.LookPath failing is NotFoundError, code 404 (base/pm/error.go). */
    @Test
    void missingBinaryIs404AsZeroCoreDoes() throws Exception {
        ObjectNode path = Commands.JSON.createObjectNode().put("name", "/no/such/binary");
        JobResult byPath = supervisor.run(Command.system(uniqueId("nobin"), path)).await();
        assertThat(byPath.state()).isEqualTo(JobState.ERROR);
        assertThat(byPath.code()).isEqualTo(404);
        assertThat(byPath.data()).startsWith("args[0]: no such file or directory");

        ObjectNode bare = Commands.JSON.createObjectNode().put("name", "no-such-program-in-path");
        assertThat(supervisor.run(Command.system(uniqueId("nobin"), bare)).await().code()).isEqualTo(404);
    }

    /** base/pm/error.go: the manager's own errors keep their HTTP-like codes (400 for bad arguments). */
    @Test
    void managerErrorsKeepTheirHttpLikeCodesAsZeroCoreDoes() throws Exception {
        ObjectNode a = Commands.JSON.createObjectNode().put("name", "/bin/true").put("colour", "red");
        assertThat(supervisor.run(Command.system(uniqueId("bad"), a)).await().code()).isEqualTo(400);
        ObjectNode cwd = Commands.JSON.createObjectNode().put("name", "/bin/true").put("dir", "/no/such/dir");
        assertThat(supervisor.run(Command.system(uniqueId("cwd"), cwd)).await().code()).isEqualTo(400);
    }

    // --- environment ------------------------------------------------------------------------------------

    /** base/pm/systemprocess.go: no env leaves cmd.Env nil, and Go's exec then passes os.Environ(). */
    @Test
    void systemWithoutEnvInheritsTheManagersEnvironmentAsZeroCoreDoes() throws Exception {
        String path = System.getenv("PATH");
        assertThat(path).as("the test JVM has a PATH").isNotNull();
        JobResult r = supervisor.run(shell(uniqueId("env"), "printf '%s' \"$PATH\"")).await();
        assertThat(r.streams().getFirst()).isEqualTo(path);
    }

    /** base/pm/systemprocess.go: with env, os.Environ() then the given pairs (the later pair wins). */
    @Test
    void systemEnvIsAddedOverTheManagersEnvironmentAsZeroCoreDoes() throws Exception {
        ObjectNode a = (ObjectNode) sh("printf '%s|%s' \"$PATH\" \"$GREETING\"");
        a.putObject("env").put("GREETING", "hello");
        JobResult r = supervisor.run(Command.system(uniqueId("env"), a)).await();
        assertThat(r.streams().getFirst()).isEqualTo(System.getenv("PATH") + "|hello");

        ObjectNode over = (ObjectNode) sh("printf '%s' \"$PATH\"");
        over.putObject("env").put("PATH", "/bin");
        assertThat(supervisor.run(Command.system(uniqueId("env"), over)).await().streams().getFirst()).isEqualTo("/bin");
    }

    // --- built-ins --------------------------------------------------------------------------------------

    /** base/builtin/job.go: job.list, job.kill and job.killall are registered built-ins. */
    @Test
    void jobBuiltInsAreRegisteredAsZeroCoreDoes() {
        assertThat(supervisor.registry().names()).contains("job.list", "job.kill", "job.killall");
    }

    /** base/builtin/job.go (jobList): each job's cmd and starttime, with its process's cpu, rss, vms, swap. */
    @Test
    void jobListListsTheLiveJobsAsZeroCoreDoes() throws Exception {
        Job sleeper = supervisor.run(shell(uniqueId("listed"), "sleep 1000"));
        await().atMost(Duration.ofSeconds(5)).until(() -> sleeper.pid() > 0);
        JobResult all = supervisor.run(builtIn("job.list", Commands.JSON.createObjectNode())).await();
        assertThat(all.state()).isEqualTo(JobState.SUCCESS);
        JsonNode list = Commands.JSON.readTree(all.data());
        List<String> ids = new ArrayList<>();
        list.forEach(j -> ids.add(j.get("cmd").get("id").asString()));
        assertThat(ids).contains(sleeper.command().id());

        JobResult one = supervisor.run(builtIn("job.list",
                Commands.JSON.createObjectNode().put("id", sleeper.command().id()))).await();
        JsonNode entry = Commands.JSON.readTree(one.data()).get(0);
        assertThat(entry.get("cmd").get("command").asString()).isEqualTo("core.system");
        assertThat(entry.get("starttime").asLong()).isPositive();
        assertThat(entry.get("rss").asLong()).isPositive();
        assertThat(entry.has("cpu") && entry.has("vms") && entry.has("swap")).isTrue();

        JobResult missing = supervisor.run(builtIn("job.list", Commands.JSON.createObjectNode().put("id", "nobody"))).await();
        assertThat(missing.state()).isEqualTo(JobState.ERROR);
        assertThat(missing.critical()).isEqualTo("Process with id 'nobody' doesn't exist");
        sleeper.kill();
        sleeper.await();
    }

    /** base/builtin/job.go (jobKill): SIGTERM unless a signal is given, to the job's process group; false if none. */
    @Test
    void jobKillSendsSigtermToTheGroupAsZeroCoreDoes() throws Exception {
        String id = uniqueId("victim");
        Job victim = supervisor.run(shell(id, "sleep 1000 & echo $!; wait"));
        await().atMost(Duration.ofSeconds(5)).until(() -> victim.pid() > 0);
        JobResult r = supervisor.run(builtIn("job.kill", Commands.JSON.createObjectNode().put("id", id))).await();
        assertThat(r.state()).isEqualTo(JobState.SUCCESS);
        assertThat(r.data()).isEqualTo("true");
        JobResult ended = victim.await();
        assertThat(ended.state()).isEqualTo(JobState.KILLED);
        assertThat(ended.code()).isEqualTo(JobResult.SIGNALED);
        long grandchild = Long.parseLong(ended.streams().getFirst().strip());
        await().atMost(Duration.ofSeconds(5)).until(() -> JobStatesTest.gone(grandchild)); // the group got it

        JobResult none = supervisor.run(builtIn("job.kill", Commands.JSON.createObjectNode().put("id", id))).await();
        assertThat(none.state()).isEqualTo(JobState.SUCCESS);
        assertThat(none.data()).isEqualTo("false");
    }

    /** base/builtin/job.go (jobKill): "signal" is a number, as Go's syscall.Signal is in JSON. */
    @Test
    void jobKillTakesTheSignalByNumberAsZeroCoreDoes() throws Exception {
        String id = uniqueId("int");
        CountDownLatch ready = new CountDownLatch(1);
        Job polite = supervisor.run(shell(id, "trap 'exit 0' INT; echo ready; while :; do sleep 0.05; done"),
                JobOptions.builder().hook(PoliciesTest.readyHook(ready)).build());
        PoliciesTest.awaitReady(ready);
        supervisor.run(builtIn("job.kill", Commands.JSON.createObjectNode().put("id", id).put("signal", 2))).await();
        JobResult r = polite.await();
        assertThat(r.state()).isEqualTo(JobState.KILLED);
        assertThat(r.code()).isZero(); // it handled SIGINT and exited 0
    }

    /** base/pm/pm.go (Killall): SIGTERM to every job but the protected ones. */
    @Test
    void jobKillallSparesProtectedJobsAsZeroCoreDoes() throws Exception {
        Job plain = supervisor.run(shell(uniqueId("plain"), "sleep 1000"));
        Job guarded = supervisor.run(with(shell(uniqueId("guarded"), "sleep 1000"), "", 0, 0, 0, List.of(), true));
        await().atMost(Duration.ofSeconds(5)).until(() -> plain.pid() > 0 && guarded.pid() > 0);
        JobResult r = supervisor.run(builtIn("job.killall", null)).await();
        assertThat(r.state()).isEqualTo(JobState.SUCCESS);
        assertThat(plain.await().state()).isEqualTo(JobState.KILLED);
        assertThat(guarded.await(Duration.ofMillis(300))).isEmpty();
    }

    // --- kept on purpose (docs/compatibility.md) --------------------------------------------------------

    /**
     * Deliberate: max_restart N is N restarts, N + 1 runs. 0-core v1.2.2 (base/pm/job.go, start) restarts while
     * runs < MaxRestart after counting the first run, so max_restart 1 ran once.
     */
    @Test
    void maxRestartOneRestartsOnceUnlikeZeroCoreWhichRanOnce() throws Exception {
        Job job = supervisor.run(with(shell(uniqueId("once"), "exit 1"), "", 0, 1, 0, List.of(), false),
                JobOptions.builder().restart(RestartPolicy.onFailure(1).withBackoff(FAST, Duration.ofHours(1))).build());
        job.await();
        assertThat(job.diagnostics().resurrectionCount()).isEqualTo(1);
        assertThat(job.diagnostics().exitLog()).hasSize(2);
        assertThat(JobOptions.DEFAULT.restartFor(with(shell("x", "true"), "", 0, 3, 0, List.of(), false)).maxRestarts())
                .isEqualTo(3);
    }

    /** Deliberate: base/pm/job.go waits a fixed 1 s before each restart; Overseer starts at 1 s and doubles to 30 s. */
    @Test
    void restartDelaysBackOffExponentiallyUnlikeZeroCoresFixedSecond() {
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7)).extracting(Backoff.DEFAULT::delay).containsExactly(
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(16), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /** Deliberate: a user kill ends the job KILLED and it is never restarted (0-core: base/pm/job.go, StateKilled). */
    @Test
    void userKillEndsKilledAndIsNeverRestarted() throws Exception {
        Job job = supervisor.run(shell(uniqueId("k"), "sleep 1000"),
                JobOptions.builder().restart(RestartPolicy.onFailure(5).withBackoff(FAST, Duration.ofHours(1))).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> job.pid() > 0);
        job.kill();
        assertThat(job.await().state()).isEqualTo(JobState.KILLED);
        assertThat(job.diagnostics().resurrectionCount()).isZero();
    }

    /** Deliberate: a user kill escalates to SIGKILL after the grace (0-core sent one signal and waited). */
    @Test
    void userKillEscalatesToSigkillAfterTheGrace() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        Job stubborn = supervisor.run(shell(uniqueId("stubborn"), "trap '' TERM; echo ready; while :; do sleep 0.05; done"),
                JobOptions.builder().stopGrace(Duration.ofMillis(200)).hook(PoliciesTest.readyHook(ready)).build());
        PoliciesTest.awaitReady(ready);
        stubborn.kill(Signal.SIGTERM, Duration.ofMillis(200));
        JobResult r = stubborn.await();
        assertThat(r.state()).isEqualTo(JobState.KILLED);
        assertThat(r.code()).isEqualTo(JobResult.SIGNALED);
    }

    /** Deliberate: killing a job still waiting in its queue cancels it: it ends KILLED without ever running. */
    @Test
    void userKillCancelsAQueuedJob() throws Exception {
        String queue = uniqueId("q");
        Job first = supervisor.run(with(shell(uniqueId("first"), "sleep 1000"), queue, 0, 0, 0, List.of(), false));
        Job queued = supervisor.run(with(shell(uniqueId("queued"), "echo ran"), queue, 0, 0, 0, List.of(), false));
        await().atMost(Duration.ofSeconds(5)).until(() -> first.pid() > 0);
        queued.kill();
        JobResult r = queued.await();
        assertThat(r.state()).isEqualTo(JobState.KILLED);
        assertThat(r.streams().getFirst()).isEmpty();
        assertThat(r.data()).isEqualTo("killed before it ran");
        first.kill();
        first.await();
    }

    /** Deliberate: base/pm/stream/input.go drops a multi-line message still open at end of file; Overseer delivers it. */
    @Test
    void unterminatedMultiLineMessageAtEofIsDeliveredUnlikeZeroCore() {
        List<Message> out = new CopyOnWriteArrayList<>();
        LevelParser p = new LevelParser(Message.STDOUT, out::add);
        p.line("20:::{");
        p.line("\"n\": 1}");
        p.finish();
        assertThat(out).singleElement().satisfies(m -> {
            assertThat(m.level()).isEqualTo(20);
            assertThat(m.text()).isEqualTo("{\n\"n\": 1}");
        });
    }

    private static Command builtIn(String kind, JsonNode args) {
        return new Command(uniqueId(kind), kind, args, "", 0, 0, 0, 0, false, List.of(), List.of(), false);
    }
}
