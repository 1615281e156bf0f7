package overseer.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeProcess;
import overseer.core.spi.RuntimeTask;

import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What core does with resources, stats, Freeze / Thaw / Stop and users, whatever the runtime: the calls it
 * makes and in which order (against a recording runtime), and the clean refusals of a runtime that lacks a
 * feature (the portable one).
 */
class ResourcesApiTest {
    private static final long MIB = 1L << 20;
    private final List<Tasks> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(Tasks::close);
    }

    private Tasks tasks(TaskRuntime r) {
        Tasks t = new Tasks(r);
        opened.add(t);
        return t;
    }

    private static OverseerException failure(ErrorKind kind, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        OverseerException e = catchThrowableOfType(OverseerException.class, call);
        assertThat(e).isNotNull();
        assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
        return e;
    }

    // --- refusals of a runtime without the features ----------------------------------------------------

    @Test
    void thePortableRuntimeRefusesLimitsStatsFreezeAndUsersByName() throws Exception {
        Tasks tasks = tasks(new PortableRuntime());
        TaskSpec limited = TaskSpec.of("limited", ProcessSpec.of("/bin/true"))
                .withResources(Resources.builder().memoryBytes(64 * MIB).build());
        assertThat(failure(ErrorKind.UNAVAILABLE, () -> tasks.create("ns", limited)).getMessage())
                .isEqualTo("setting resources is not supported by the portable runtime");
        assertThat(tasks.list()).isEmpty();

        TaskSpec asNobody = TaskSpec.of("nobody", ProcessSpec.builder("/bin/true").user("nobody").build());
        assertThat(failure(ErrorKind.UNAVAILABLE, () -> tasks.create("ns", asNobody)).getMessage())
                .isEqualTo("running a process as another user is not supported by the portable runtime");

        Task t = tasks.create("ns", TaskSpec.of("plain", ProcessSpec.of("/bin/sleep", "1000")));
        t.start();
        assertThat(failure(ErrorKind.UNAVAILABLE, () -> t.update(Resources.NONE)).getMessage())
                .isEqualTo("update is not supported by the portable runtime");
        assertThat(failure(ErrorKind.UNAVAILABLE, t::stats).getMessage()).startsWith("stats is not supported");
        assertThat(failure(ErrorKind.UNAVAILABLE, t::freeze).getMessage()).startsWith("freeze is not supported");
        assertThat(failure(ErrorKind.UNAVAILABLE, t::thaw).getMessage()).startsWith("thaw is not supported");
        assertThat(failure(ErrorKind.UNAVAILABLE, () -> t.stop(Signal.SIGTERM, Duration.ZERO)).getMessage())
                .startsWith("stop is not supported");
        assertThat(failure(ErrorKind.UNAVAILABLE, () -> t.exec("as-nobody", asNobody.process())).getMessage())
                .startsWith("running a process as another user is not supported");
        assertThat(t.status()).isEqualTo(Status.RUNNING);
        t.kill(Instant.now().plusSeconds(10));
    }

    // --- what core asks of a runtime that has them -----------------------------------------------------

    /** A runtime that records every task-wide call and exits only when told. */
    private static final class Recording implements TaskRuntime {
        final List<String> calls = new ArrayList<>();
        Runnable oom;
        Consumer<Exit> exit;

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public Set<Feature> features() {
            return EnumSet.allOf(Feature.class);
        }

        @Override
        public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
            calls.add("create " + spec.startResources());
            return new RuntimeTask() {
                @Override
                public RuntimeProcess exec(String execId, ProcessSpec s, ProcessOutput o) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void pause() {
                    calls.add("pause");
                }

                @Override
                public void resume() {
                    calls.add("resume");
                }

                @Override
                public List<ProcessInfo> pids() {
                    return List.of();
                }

                @Override
                public void update(Resources r) {
                    calls.add("update " + r);
                }

                @Override
                public TaskStats stats() {
                    return new TaskStats(1, 0, 0, 2, 3, 4, 1, 0, List.of());
                }

                @Override
                public void startCycle() {
                    calls.add("startCycle");
                }

                @Override
                public CycleDeltaMetrics cycleMetrics() {
                    calls.add("cycleMetrics");
                    return new CycleDeltaMetrics(10, 20, 30, 40);
                }

                @Override
                public void onOom(Runnable listener) {
                    oom = listener;
                }

                @Override
                public long start(Consumer<Exit> onExit) {
                    exit = onExit;
                    calls.add("start");
                    return 42;
                }

                @Override
                public void signal(Signal signal, boolean all) {
                    calls.add("signal " + signal);
                    if (signal == Signal.SIGTERM) {
                        exit.accept(Exit.killed(signal, false, Instant.now()));
                    }
                }

                @Override
                public OutputStream stdin() {
                    throw OverseerException.failedPrecondition("stdin is not a pipe");
                }

                @Override
                public void closeStdin() {
                }

                @Override
                public void release() {
                    calls.add("release");
                }
            };
        }

        @Override
        public void close() {
        }
    }

    private static final Resources THROTTLED = Resources.builder().cpus(0.25).memoryBytes(64 * MIB).build();
    private static final Resources UNTHROTTLED = Resources.builder().cpus(2).memoryBytes(512 * MIB).build();

    @Test
    void theStartProfileGoesOverTheResourcesAndThawAlwaysAppliesTheThrottledOne() throws Exception {
        Recording r = new Recording();
        Tasks tasks = tasks(r);
        TaskSpec spec = TaskSpec.of("lambda", ProcessSpec.of("/bin/true"))
                .withResources(Resources.builder().pidsLimit(16).build())
                .withProfiles(new CgroupProfiles(THROTTLED, UNTHROTTLED), Optional.of(CgroupProfiles.Name.UNTHROTTLED));
        Task t = tasks.create("ns", spec);
        Resources started = Resources.builder().pidsLimit(16).cpus(2).memoryBytes(512 * MIB).build();
        assertThat(t.resources()).isEqualTo(started);
        t.start();

        try (Subscription sub = tasks.events().subscribe()) {
            CycleDeltaMetrics m = t.freeze();
            assertThat(m).isEqualTo(new CycleDeltaMetrics(10, 20, 30, 40));
            assertThat(t.status()).isEqualTo(Status.PAUSED);

            t.thaw();

            Resources throttled = Resources.builder().pidsLimit(16).cpus(0.25).memoryBytes(64 * MIB).build();
            assertThat(t.resources()).isEqualTo(throttled);
            assertThat(r.calls).containsExactly("create " + started, "start", "pause", "cycleMetrics",
                    "update " + throttled, "resume", "startCycle");
            assertThat(sub.poll(Duration.ofSeconds(1)).orElseThrow().topic()).isEqualTo("/tasks/paused");
            assertThat(sub.poll(Duration.ofSeconds(1)).orElseThrow().topic()).isEqualTo("/tasks/resumed");
        }

        r.calls.clear();
        t.freeze();
        CycleDeltaMetrics last = t.stop(Signal.SIGTERM, Duration.ofSeconds(1));
        assertThat(last).isEqualTo(new CycleDeltaMetrics(10, 20, 30, 40));
        assertThat(r.calls).containsExactly("pause", "cycleMetrics", "resume", "startCycle", "signal SIGTERM",
                "cycleMetrics");
        assertThat(t.status()).isEqualTo(Status.STOPPED);
    }

    @Test
    void updateMergesIntoWhatIsInForceAndIsRefusedOnceStopped() throws Exception {
        Recording r = new Recording();
        Tasks tasks = tasks(r);
        Task t = tasks.create("ns", TaskSpec.of("upd", ProcessSpec.of("/bin/true"))
                .withResources(Resources.builder().memoryBytes(64 * MIB).pidsLimit(8).build()));
        t.update(Resources.builder().pidsLimit(32).build());
        t.start();
        t.update(Resources.builder().cpus(0.5).build());

        Resources merged = Resources.builder().memoryBytes(64 * MIB).pidsLimit(32).cpus(0.5).build();
        assertThat(t.resources()).isEqualTo(merged);
        assertThat(r.calls).endsWith("update " + merged);

        t.kill(Signal.SIGTERM, true);
        assertThat(failure(ErrorKind.FAILED_PRECONDITION, () -> t.update(Resources.NONE)).getMessage())
                .isEqualTo("cannot update a stopped process");
        assertThat(t.stats().memoryLimitBytes()).as("stats stay readable until delete").isEqualTo(4);
        t.delete();
        assertThat(failure(ErrorKind.FAILED_PRECONDITION, t::stats).getMessage()).contains("deleted");
    }

    @Test
    void everyOomKillTheRuntimeReportsIsOneEvent() throws Exception {
        Recording r = new Recording();
        Tasks tasks = tasks(r);
        Task t = tasks.create("ns", TaskSpec.of("oom", ProcessSpec.of("/bin/true")));
        t.start();
        try (Subscription sub = tasks.events().subscribe()) {
            r.oom.run();
            r.oom.run();
            assertThat(sub.poll(Duration.ofSeconds(1)).orElseThrow().event()).isEqualTo(new Event.TaskOOM("oom"));
            assertThat(sub.poll(Duration.ofSeconds(1)).orElseThrow().topic()).isEqualTo("/tasks/oom");
            // An exit marked oomKilled publishes no second /tasks/oom: the runtime reported the kill already.
            r.exit.accept(Exit.killed(Signal.SIGKILL, true, Instant.now()));
            assertThat(sub.poll(Duration.ofSeconds(1)).orElseThrow().topic()).isEqualTo("/tasks/exit");
        }
    }

    @Test
    void usersParseLikeDockersUserFlag() {
        assertThat(User.parse("alice")).isEqualTo(new User("alice", Optional.empty()));
        assertThat(User.parse("1000:50")).isEqualTo(new User("1000", Optional.of("50")));
        assertThat(User.parse("alice:staff").toString()).isEqualTo("alice:staff");
        assertThat(failure(ErrorKind.INVALID_ARGUMENT, () -> User.parse(":staff")).getMessage()).startsWith("user:");
        assertThat(failure(ErrorKind.INVALID_ARGUMENT, () -> User.parse("alice:")).getMessage()).startsWith("user:");
        assertThat(ProcessSpec.builder("/bin/true").user("alice").build().toBuilder().build().user())
                .contains(new User("alice", Optional.empty()));
    }
}
