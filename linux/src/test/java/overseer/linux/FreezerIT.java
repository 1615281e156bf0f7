package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.CgroupProfiles;
import overseer.core.CycleDeltaMetrics;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.Subscription;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.linux.CgroupLayout.Controller;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static overseer.linux.CgroupFixture.sh;

/** Pause / resume through the freezer, and Lambda's Freeze / Thaw / Stop with their cycle metrics. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FreezerIT extends CgroupTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MIB = 1L << 20;

    @Test
    void pauseFreezesEveryProcessThroughCgroupV2AndResumeThawsThem() throws Exception {
        cg = CgroupFixture.detected();
        org.junit.jupiter.api.Assumptions.assumeTrue(cg.layout.version(Controller.FREEZER) == CgroupLayout.Version.V2,
                "no cgroup.freeze here");
        Task t = pauseAndResume();
        assertThat(CgroupFixture.read(cg.v2Dir(t).resolve("cgroup.freeze"))).isEqualTo("0");
    }

    @Test
    void pauseFreezesEveryProcessThroughTheV1FreezerAndResumeThawsThem() throws Exception {
        cg = CgroupFixture.v1Only();
        org.junit.jupiter.api.Assumptions.assumeTrue(cg.layout.version(Controller.FREEZER) == CgroupLayout.Version.V1,
                "no v1 freezer here");
        Task t = pauseAndResume();
        assertThat(CgroupFixture.read(cg.dir(Controller.FREEZER, t).resolve("freezer.state"))).isEqualTo("THAWED");
    }

    /** A loop printing a line every 50 ms, and a child of it that left its group doing the same. */
    private Task pauseAndResume() throws Exception {
        Task t = cg.create("pause", sh("setsid sh -c 'while :; do echo child; sleep 0.05; done' & "
                + "while :; do echo parent; sleep 0.05; done").stdout(Redirect.PIPE).build(), Resources.builder().pidsLimit(32).build());
        AtomicInteger parent = new AtomicInteger();
        AtomicInteger child = new AtomicInteger();
        t.output().addSink(r -> (r.text().equals("child") ? child : parent).incrementAndGet());
        t.start();
        await().atMost(WAIT).until(() -> parent.get() >= 2 && child.get() >= 2);
        try (Subscription sub = cg.tasks.events().subscribe()) {
            t.pause();

            assertThat(t.status()).isEqualTo(Status.PAUSED);
            assertThat(frozen(t)).isTrue();
            // A line already in the pipe may still arrive; after that, none for the whole window.
            AtomicInteger last = new AtomicInteger(-1);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> last.getAndSet(parent.get() + child.get()) == parent.get() + child.get());
            int parentFrozen = parent.get();
            int childFrozen = child.get();

            t.resume();

            assertThat(t.status()).isEqualTo(Status.RUNNING);
            await().atMost(WAIT).until(() -> parent.get() > parentFrozen && child.get() > childFrozen);
            assertThat(sub.poll(WAIT).orElseThrow().topic()).isEqualTo("/tasks/paused");
            assertThat(sub.poll(WAIT).orElseThrow().topic()).isEqualTo("/tasks/resumed");
        }
        t.kill(Signal.SIGKILL, true);
        t.await(WAIT).orElseThrow();
        return t;
    }

    private boolean frozen(Task t) {
        return switch (cg.layout.version(Controller.FREEZER)) {
            case V2 -> CgroupFixture.read(cg.v2Dir(t).resolve("cgroup.events")).contains("frozen 1");
            case V1 -> CgroupFixture.read(cg.dir(Controller.FREEZER, t).resolve("freezer.state")).equals("FROZEN");
            case NONE -> false;
        };
    }

    @Test
    void freezeReportsTheCpuTheCycleUsedAndThawAppliesTheThrottledProfile() throws Exception {
        cg = CgroupFixture.detected();
        CgroupProfiles profiles = new CgroupProfiles(Resources.builder().cpus(0.25).memoryBytes(256 * MIB).build(),
                Resources.builder().cpus(2).memoryBytes(512 * MIB).build());
        Task t = cg.tasks.create(CgroupFixture.NS, TaskSpec.of(CgroupFixture.uniqueId("lambda"), sh("while :; do :; done").build())
                .withProfiles(profiles, Optional.of(CgroupProfiles.Name.UNTHROTTLED)));
        t.start();
        Path cpu = cg.dir(Controller.CPU, t);
        Path memory = cg.dir(Controller.MEMORY, t);
        assertThat(CgroupFixture.read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("200000");
        assertThat(CgroupFixture.read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(512 * MIB));

        // Cycle 1, unthrottled: one busy core for ~1 s.
        long started = System.nanoTime();
        await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
        CycleDeltaMetrics first = t.freeze();
        long wall = System.nanoTime() - started;

        assertThat(t.status()).isEqualTo(Status.PAUSED);
        assertThat(first.domainRunNs()).isBetween(wall / 2, wall + 50_000_000);
        // At most the cycle's length on its one core; at least a share of it (a loaded host may take most of the
        // CPU from the loop: what is checked is that the cycle's CPU is counted, and never more than ran).
        assertThat(first.domainCpuRunNs()).as("cpu of a busy loop over %d ms", wall / 1_000_000)
                .isBetween((long) (first.domainRunNs() * 0.1), (long) (first.domainRunNs() * 1.05));
        assertThat(first.idleCpuRunNs()).isEqualTo(Math.max(0, 2 * first.domainRunNs() - first.domainCpuRunNs()));

        t.thaw();

        assertThat(t.status()).isEqualTo(Status.RUNNING);
        assertThat(CgroupFixture.read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("25000");
        assertThat(CgroupFixture.read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(256 * MIB));
        assertThat(t.resources().cpus()).contains(0.25);

        // Cycle 2, throttled to a quarter of a core.
        await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
        CycleDeltaMetrics second = t.freeze();
        assertThat((double) second.domainCpuRunNs() / second.domainRunNs()).isLessThanOrEqualTo(0.3);
        assertThat(second.idleCpuRunNs()).isEqualTo(Math.max(0, Math.round(0.25 * second.domainRunNs()) - second.domainCpuRunNs()));

        // Stop: a frozen task is resumed to take its signal; the last cycle is measured after the exit.
        CycleDeltaMetrics last = t.stop(Signal.SIGTERM, Duration.ofSeconds(5));
        assertThat(t.status()).isEqualTo(Status.STOPPED);
        assertThat(t.exit().orElseThrow().signal()).contains(Signal.SIGTERM);
        assertThat(last.domainRunNs()).isLessThan(second.domainRunNs());
    }

    @Test
    void freezeReportsThePeakMemoryOfTheCycleOnly() throws Exception {
        cg = CgroupFixture.detected();
        CgroupProfiles profiles = new CgroupProfiles(Resources.builder().memoryBytes(256 * MIB).build(),
                Resources.builder().memoryBytes(256 * MIB).build());
        // tail -c keeps the last 48 MiB it read in memory: the cycle's peak is at least that.
        ProcessSpec spec = sh("head -c 48m /dev/zero | tail -c 48m > /dev/null; echo allocated; read x")
                .stdin(Redirect.PIPE).stdout(Redirect.PIPE).build();
        Task t = cg.tasks.create(CgroupFixture.NS, TaskSpec.of(CgroupFixture.uniqueId("peak"), spec)
                .withProfiles(profiles, Optional.empty()));
        t.start();
        await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines().contains("allocated"));

        CycleDeltaMetrics first = t.freeze();
        assertThat(first.domainMaxMemoryUsageBytes()).isGreaterThanOrEqualTo(48 * MIB);

        t.thaw();
        CycleDeltaMetrics second = t.freeze();
        assertThat(second.domainMaxMemoryUsageBytes()).as("the peak starts afresh with each cycle")
                .isLessThan(first.domainMaxMemoryUsageBytes() - 40 * MIB);
        t.thaw();
        t.closeStdin();
        t.await(WAIT).orElseThrow();
    }

    @Test
    void freezeNeedsACgroup() {
        cg = CgroupFixture.detected();
        Task t = cg.start("nocg", ProcessSpec.of("/bin/sleep", "1000"), Resources.NONE);
        org.assertj.core.api.Assertions.assertThatThrownBy(t::freeze)
                .isInstanceOf(overseer.core.OverseerException.class).hasMessageContaining("has no cgroup");
        assertThat(t.status()).as("a failed freeze leaves the task running").isEqualTo(Status.RUNNING);
        // Without a cgroup a pause is SIGSTOP and a thaw is a resume: nothing to measure, nothing to apply.
        t.pause();
        t.thaw();
        assertThat(t.status()).isEqualTo(Status.RUNNING);
    }
}
