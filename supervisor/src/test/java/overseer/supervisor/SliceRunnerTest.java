package overseer.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static overseer.supervisor.SliceRun.State.EXITED;
import static overseer.supervisor.SliceRun.State.FAILED;
import static overseer.supervisor.SliceRun.State.READY;
import static overseer.supervisor.SliceRun.State.STARTING;
import static overseer.supervisor.SliceRun.State.STOPPED;
import static overseer.supervisor.SliceRun.State.STOPPING;

/**
 * Slices of real /bin/sh services. Each script appends to a shared log file, so the order in which the
 * processes themselves did things is checked, not only what the runner says.
 */
class SliceRunnerTest {
    private static final Duration SETTLE = Duration.ofSeconds(10);
    private Tasks tasks;
    private Supervisor supervisor;
    private SliceRunner runner;
    private final List<ServiceChange> changes = new CopyOnWriteArrayList<>();
    @TempDir
    Path dir;
    private Path log;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
        supervisor = new Supervisor(tasks);
        runner = new SliceRunner(supervisor);
        log = dir.resolve("log");
    }

    @AfterEach
    void tearDown() {
        try {
            supervisor.shutdown(Duration.ofSeconds(5));
        } finally {
            tasks.close();
        }
    }

    private Slice.Service sh(String name, String script) {
        return Slice.Service.of(name, List.of("/bin/sh", "-c", script)).withEnv(Map.of("LOG", log.toString()));
    }

    /** A service that logs "NAME-up", says "NAME ready" and runs until stopped, logging "NAME-stopped" on SIGTERM. */
    private Slice.Service daemon(String name) {
        return sh(name, "trap 'echo " + name + "-stopped >> \"$LOG\"; exit 0' TERM; echo " + name + "-up >> \"$LOG\"; "
                + "echo '" + name + " ready'; while :; do sleep 0.05; done")
                .withReady(Slice.Readiness.match(name + " ready"));
    }

    private SliceRun start(Slice slice) {
        return runner.start(slice, changes::add);
    }

    private List<String> log() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** The changes seen by the listener, as "service:STATE". */
    private List<String> seen() {
        return changes.stream().map(c -> c.service() + ":" + c.to()).toList();
    }

    @Test
    void aServiceStartsOnlyAfterItsDependencyPrintedItsReadyLine() throws Exception {
        Slice slice = new Slice(
                sh("b", "echo b-up >> \"$LOG\"; echo 'b ready'; exec sleep 1000")
                        .withReady(Slice.Readiness.match("b ready")).withAfter("a"),
                sh("a", "echo a-up >> \"$LOG\"; sleep 0.3; echo a-ready >> \"$LOG\"; echo 'a: Ready to accept connections'; "
                        + "exec sleep 1000").withReady(Slice.Readiness.match("Ready to accept")));
        try (SliceRun run = start(slice)) {
            assertThat(run.state("b")).isIn(SliceRun.State.PENDING, STARTING); // not before a is ready
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.statuses()).extracting(ServiceStatus::state).containsExactly(READY, READY);
            assertThat(log()).containsExactly("a-up", "a-ready", "b-up");
            assertThat(run.status("a").reason()).isEqualTo("matched \"Ready to accept\"");
            assertThat(run.status("b").reason()).isEqualTo("matched \"b ready\"");
            assertThat(run.job("a")).get().extracting(j -> j.command().id()).isEqualTo("slice-a");
            await().until(() -> seen().size() == 4);
            assertThat(seen()).containsExactly("a:STARTING", "a:READY", "b:STARTING", "b:READY");
            assertThat(changes.get(2).reason()).isEqualTo("started after a");
        }
        assertThat(supervisor.jobs()).isEmpty();
    }

    /** docs/slices.md: env is the whole environment; the service's job runs its process as the slice gives it. */
    @Test
    void aServiceRunsWithItsOwnEnvironmentOnlyAndInItsDirectory() throws Exception {
        Slice slice = new Slice(Slice.Service.oneshot("env", List.of("/bin/sh", "-c",
                        "echo \"$LOG|${HOME:-none}|$(pwd)\" >> \"$LOG\""))
                .withEnv(Map.of("LOG", log.toString())).withDir(dir));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.state("env")).isEqualTo(EXITED);
            assertThat(log()).containsExactly(log + "|none|" + dir);
            assertThat(run.job("env").orElseThrow().command().command()).isEqualTo(CommandRegistry.SYSTEM);
        }
    }

    @Test
    void aOneShotReleasesItsDependentsWhenItExitedSuccessfully() throws Exception {
        Slice slice = new Slice(
                daemon("db"),
                Slice.Service.oneshot("migrate", List.of("/bin/sh", "-c",
                        "echo migrating >> \"$LOG\"; sleep 0.2; echo migrated >> \"$LOG\"")).withEnv(Map.of("LOG", log.toString()))
                        .withAfter("db"),
                daemon("web").withAfter("migrate"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.state("migrate")).isEqualTo(EXITED);
            assertThat(run.status("migrate").reason()).isEqualTo("exited successfully");
            assertThat(run.state("web")).isEqualTo(READY);
            assertThat(log()).containsExactly("db-up", "migrating", "migrated", "web-up");
        }
    }

    @Test
    void aDelayMakesAServiceReadyAfterItHasRunThatLong() throws Exception {
        Slice slice = new Slice(
                sh("slow", "echo slow-up >> \"$LOG\"; exec sleep 1000").withReady(Slice.Readiness.delay(Duration.ofMillis(300))),
                sh("next", "echo next-up >> \"$LOG\"; exec sleep 1000").withReady(Slice.Readiness.delay(Duration.ZERO))
                        .withAfter("slow"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.status("slow").reason()).isEqualTo("running for 300ms");
            await().until(() -> seen().size() == 4);
            ServiceChange started = changes.stream().filter(c -> c.service().equals("slow") && c.to() == STARTING).findFirst().orElseThrow();
            ServiceChange ready = changes.stream().filter(c -> c.service().equals("slow") && c.to() == READY).findFirst().orElseThrow();
            assertThat(Duration.between(started.time(), ready.time())).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(log()).containsExactly("slow-up", "next-up");
        }
    }

    @Test
    void aFailingDependencyKeepsItsDependentsFromStartingWithAReasonNamingIt() throws Exception {
        Slice slice = new Slice(
                sh("db", "echo db-up >> \"$LOG\"; echo 'cannot bind' >&2; exit 3").withReady(Slice.Readiness.match("Ready")),
                daemon("api").withAfter("db"),
                daemon("web").withAfter("api"),
                daemon("other"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.status("db")).extracting(ServiceStatus::state, ServiceStatus::reason)
                    .containsExactly(FAILED, "exit status 3");
            assertThat(run.status("api")).extracting(ServiceStatus::state, ServiceStatus::reason)
                    .containsExactly(FAILED, "dependency db failed: exit status 3");
            assertThat(run.status("web")).extracting(ServiceStatus::state, ServiceStatus::reason)
                    .containsExactly(FAILED, "dependency api failed: dependency db failed: exit status 3");
            assertThat(run.state("other")).isEqualTo(READY);
            assertThat(run.failures()).extracting(ServiceStatus::service).containsExactly("db", "api", "web");
            assertThat(run.job("api")).isEmpty();
            assertThat(supervisor.jobs()).containsOnlyKeys("slice-other");
            assertThat(log()).containsExactlyInAnyOrder("db-up", "other-up");
        }
    }

    @Test
    void aFailingOneShotKeepsItsDependentsFromStarting() throws Exception {
        Slice slice = new Slice(
                Slice.Service.oneshot("migrate", List.of("/bin/sh", "-c", "exit 1")),
                daemon("web").withAfter("migrate"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.status("web").reason()).isEqualTo("dependency migrate failed: exit status 1");
            assertThat(log()).isEmpty();
        }
    }

    @Test
    void aProgramThatCannotStartFailsItsDependents() throws Exception {
        Slice slice = new Slice(
                Slice.Service.of("ghost", List.of("/nonexistent/program")),
                daemon("web").withAfter("ghost"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.state("ghost")).isEqualTo(FAILED);
            assertThat(run.status("web").reason()).startsWith("dependency ghost failed: ");
        }
    }

    @Test
    void aServiceThatPrintsItsReadyLineAndThenFailsWasReadyFirst() throws Exception {
        Slice slice = new Slice(
                sh("flaky", "echo 'flaky ready'; exit 7").withReady(Slice.Readiness.match("flaky ready")),
                daemon("web").withAfter("flaky"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            // Settled may already hold while flaky is READY: its failure comes after the ready line.
            await().until(() -> run.state("flaky") == FAILED);
            assertThat(run.status("flaky")).extracting(ServiceStatus::state, ServiceStatus::reason)
                    .containsExactly(FAILED, "exit status 7");
            assertThat(run.state("web")).isEqualTo(READY); // started when flaky was ready; a later failure does not stop it
            await().until(() -> seen().contains("flaky:FAILED"));
            assertThat(seen().indexOf("flaky:READY")).isLessThan(seen().indexOf("flaky:FAILED"));
        }
    }

    @Test
    void aSuccessfulExitBeforeTheReadyLineReleasesTheDependentsAs0CoreDoes() throws Exception {
        Slice slice = new Slice(
                sh("quick", "echo done").withReady(Slice.Readiness.match("never printed")),
                daemon("web").withAfter("quick"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.status("quick")).extracting(ServiceStatus::state, ServiceStatus::reason)
                    .containsExactly(EXITED, "exited successfully before it was ready");
            assertThat(run.state("web")).isEqualTo(READY);
        }
    }

    @Test
    void aServiceNotReadyInTimeFailsAndIsStopped() throws Exception {
        Slice slice = new Slice(
                sh("mute", "exec sleep 1000").withReady(Slice.Readiness.match("never printed"))
                        .withReadyTimeout(Duration.ofMillis(300)),
                daemon("web").withAfter("mute"));
        try (SliceRun run = start(slice)) {
            assertThat(run.awaitSettled(SETTLE)).isTrue();
            assertThat(run.status("mute").reason()).isEqualTo("not ready within 300ms");
            assertThat(run.status("web").reason()).isEqualTo("dependency mute failed: not ready within 300ms");
            await().atMost(SETTLE).until(() -> supervisor.jobs().isEmpty());
            assertThat(run.state("mute")).isEqualTo(FAILED); // its killed job does not change that
        }
    }

    @Test
    void stopStopsDependentsFirstWaitingForEach() throws Exception {
        Slice slice = new Slice(daemon("web").withAfter("api"), daemon("db"), daemon("api").withAfter("db"),
                daemon("cache"));
        SliceRun run = start(slice);
        assertThat(run.awaitSettled(SETTLE)).isTrue();
        assertThat(log()).containsExactlyInAnyOrder("db-up", "api-up", "web-up", "cache-up");
        run.stop(Duration.ofSeconds(5));
        // start order is db, api, web, cache (of the services free to start, the first given); stop is its reverse
        assertThat(slice.startOrder()).extracting(Slice.Service::name).containsExactly("db", "api", "web", "cache");
        assertThat(log().subList(4, 8)).containsExactly("cache-stopped", "web-stopped", "api-stopped", "db-stopped");
        assertThat(run.statuses()).extracting(ServiceStatus::state).containsOnly(STOPPED);
        assertThat(supervisor.jobs()).isEmpty();
        await().until(() -> changes.size() == 16); // 4 STARTING, 4 READY, then the stop's
        assertThat(seen().subList(8, 16)).containsExactly("cache:STOPPING", "cache:STOPPED", "web:STOPPING", "web:STOPPED",
                "api:STOPPING", "api:STOPPED", "db:STOPPING", "db:STOPPED");
        run.stop(Duration.ofSeconds(5)); // again: nothing more to do
        assertThat(changes).hasSize(16);
    }

    /** stop returns once the listeners saw every change; a listener may stop the run itself (it does not wait for itself). */
    @Test
    void aListenerMayStopTheRunAndStopReturnsAfterEveryChangeWasSeen() throws Exception {
        Slice slice = new Slice(daemon("db"), daemon("web").withAfter("db"));
        java.util.concurrent.CompletableFuture<Throwable> stoppedByListener = new java.util.concurrent.CompletableFuture<>();
        SliceRun[] self = new SliceRun[1];
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        SliceRun run = runner.start(slice, c -> {
            changes.add(c);
            if (c.service().equals("web") && c.to() == READY) {
                try {
                    started.await();
                    self[0].stop(Duration.ofSeconds(5)); // on the listeners' thread
                    stoppedByListener.complete(null);
                } catch (Throwable t) {
                    stoppedByListener.complete(t);
                }
            }
        });
        self[0] = run;
        started.countDown();
        assertThat(stoppedByListener.get(20, java.util.concurrent.TimeUnit.SECONDS)).isNull();
        assertThat(run.statuses()).extracting(ServiceStatus::state).containsOnly(STOPPED);
        run.stop(Duration.ofSeconds(5)); // from here: returns after the listener got every change, no waiting needed
        assertThat(seen()).containsExactly("db:STARTING", "db:READY", "web:STARTING", "web:READY",
                "web:STOPPING", "web:STOPPED", "db:STOPPING", "db:STOPPED");
        assertThat(supervisor.jobs()).isEmpty();
    }

    @Test
    void aServiceThatIgnoresTheStopSignalIsKilledAfterTheGrace() throws Exception {
        Slice slice = new Slice(sh("stubborn", "trap '' TERM; echo 'stubborn ready'; exec sleep 1000")
                .withReady(Slice.Readiness.match("stubborn ready")));
        SliceRun run = start(slice);
        assertThat(run.awaitSettled(SETTLE)).isTrue();
        long began = System.nanoTime();
        run.stop(Duration.ofMillis(300));
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(run.state("stubborn")).isEqualTo(STOPPED);
        assertThat(supervisor.jobs()).isEmpty();
    }

    @Test
    void stoppingBeforeADependencyIsReadyMeansItsDependentsNeverStart() throws Exception {
        Slice slice = new Slice(
                sh("db", "exec sleep 1000").withReady(Slice.Readiness.match("never printed")),
                daemon("web").withAfter("db"));
        SliceRun run = start(slice);
        await().until(() -> run.state("db") == STARTING);
        run.stop(Duration.ofSeconds(5));
        assertThat(run.status("web")).extracting(ServiceStatus::state, ServiceStatus::reason)
                .containsExactly(STOPPED, "the slice was stopped before it started");
        assertThat(run.state("db")).isEqualTo(STOPPED);
        assertThat(run.awaitSettled(Duration.ZERO)).isTrue();
        assertThat(supervisor.jobs()).isEmpty();
        assertThat(log()).isEmpty();
        await().until(() -> seen().contains("db:STOPPED"));
        assertThat(seen()).doesNotContain("web:STARTING").contains("db:" + STOPPING);
    }
}
