package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.Envelope;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessInfo;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.Subscription;
import overseer.core.Task;
import overseer.core.TaskStats;
import overseer.linux.CgroupLayout.Controller;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static overseer.linux.CgroupFixture.sh;

/** Limits on real cgroups (v1 controllers here, v2 for tracking and kill): each limit does what it says. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CgroupLimitsIT extends CgroupTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void theProgramsFirstInstructionRunsInsideItsCgroups() throws Exception {
        cg = CgroupFixture.detected();
        // cat reads its own /proc/self/cgroup as its first act: it must already be in the task's cgroups.
        Task t = cg.start("first", ProcessSpec.builder("/bin/cat", "/proc/self/cgroup").stdout(Redirect.PIPE).build(),
                Resources.builder().memoryBytes(64L << 20).build());
        t.await();
        t.output().drained().join();
        List<String> lines = t.output().tail(LogStream.STDOUT).lines();
        String suffix = "/" + cg.parent + "/" + CgroupFixture.NS + "/" + t.id();
        for (Controller c : List.of(Controller.MEMORY, Controller.PIDS, Controller.CPU)) {
            if (cg.layout.version(c) == CgroupLayout.Version.V1) {
                assertThat(lines).as(c + " cgroup").anySatisfy(l -> assertThat(l).matches("\\d+:[^:]*\\b" + c.v1Name + "\\b[^:]*:" + suffix));
            }
        }
        if (cg.layout.usesV2()) {
            assertThat(lines).as("v2 cgroup").contains("0::" + suffix);
        }
    }

    @Test
    void aMemoryLimitEndsInADetectedOomKill() throws Exception {
        cg = CgroupFixture.detected();
        // tail buffers its input until end of file, and /dev/zero has none: it grows until the OOM killer comes.
        ProcessSpec spec = ProcessSpec.builder("/usr/bin/tail").stdin(Redirect.file(Path.of("/dev/zero"))).build();
        try (Subscription sub = cg.tasks.events().subscribe()) {
            Task t = cg.start("oom", spec, Resources.builder().memoryBytes(16L << 20).build());

            Exit exit = t.await(WAIT).orElseThrow();

            assertThat(exit.signal()).contains(Signal.SIGKILL);
            assertThat(exit.oomKilled()).isTrue();
            assertThat(exit.exitCode()).isEqualTo(137);
            assertThat(t.stats().oomKills()).isEqualTo(1);
            List<String> topics = topics(sub, "/tasks/exit");
            assertThat(topics).containsSubsequence("/tasks/start", "/tasks/oom", "/tasks/exit");
            assertThat(topics).filteredOn("/tasks/oom"::equals).hasSize(1);
        }
    }

    @Test
    void anOomKillOfAChildIsReportedWhileTheTaskRuns() throws Exception {
        cg = CgroupFixture.detected();
        try (Subscription sub = cg.tasks.events().subscribe()) {
            Task t = cg.start("oomchild", sh("tail < /dev/zero; echo survived; read x").stdin(Redirect.PIPE)
                    .stdout(Redirect.PIPE).build(), Resources.builder().memoryBytes(16L << 20).build());

            await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines().contains("survived"));
            assertThat(topics(sub, "/tasks/oom")).endsWith("/tasks/oom");
            t.closeStdin();
            Exit exit = t.await(WAIT).orElseThrow();
            assertThat(exit.oomKilled()).as("the init process was not the victim").isFalse();
        }
    }

    @Test
    void halfACpuQuotaMeasuresHalfACpu() throws Exception {
        cg = CgroupFixture.detected();
        Task t = cg.start("cpu", sh("while :; do :; done").build(), Resources.builder().cpus(0.5).build());
        assertThat(CgroupFixture.read(cg.dir(Controller.CPU, t).resolve(cpuQuotaFile()))).startsWith("50000");
        await().atMost(WAIT).until(() -> t.stats().cpuUsageNs() > 0);

        TaskStats before = t.stats();
        long[] sched0 = schedstat(t.pid());
        long wall0 = System.nanoTime();
        await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
        TaskStats after = t.stats();
        long[] sched1 = schedstat(t.pid());
        long wall = System.nanoTime() - wall0;

        long cpu = after.cpuUsageNs() - before.cpuUsageNs();
        long throttled = after.cpuThrottledNs() - before.cpuThrottledNs();
        // Time the loop waited for a CPU that other processes of the host held (run_delay counts the waits
        // of the quota too; take those out). On a quiet host it is nil; on a busy one it is not ours to count.
        long contention = Math.max(0, (sched1[1] - sched0[1]) - throttled);
        double cores = (double) cpu / wall;

        assertThat(cores).as("never above the quota").isLessThanOrEqualTo(0.6);
        if (contention < wall / 10) {
            assertThat(cores).as("cores used on a quiet host").isCloseTo(0.5, within(0.1));
        } else {
            // A busy host took the CPU from it for a while: judge it on the time it could have run.
            assertThat((double) cpu / (wall - contention)).as("cores used while the host let it run (%d ms taken)",
                    contention / 1_000_000).isGreaterThanOrEqualTo(0.4);
        }
        assertThat(after.cpuThrottledPeriods()).isPositive();
        assertThat(throttled).isPositive();
    }

    /** /proc/PID/schedstat: time on a CPU, time waiting for one, time slices (ns, ns, count). */
    private static long[] schedstat(long pid) throws java.io.IOException {
        String[] f = Files.readString(Path.of("/proc", Long.toString(pid), "schedstat")).strip().split(" ");
        return new long[]{Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
    }

    private String cpuQuotaFile() {
        return cg.layout.version(Controller.CPU) == CgroupLayout.Version.V2 ? "cpu.max" : "cpu.cfs_quota_us";
    }

    @Test
    void aPidsLimitOfEightMakesForkFail() throws Exception {
        cg = CgroupFixture.detected();
        // dash gives up at the first fork that fails: the init, the subshell and six sleeps fill the limit of
        // eight. The init lives on (as a sleep itself: what it leaves would die with it), seven in all.
        Task t = cg.start("pids", sh("(i=0; while [ $i -lt 12 ]; do sleep 1000 >/dev/null 2>&1 & i=$((i+1)); done; "
                + "echo all forked); echo gave up; exec sleep 1000").captureOutput().build(), Resources.builder().pidsLimit(8).build());

        await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines(), l -> l.contains("gave up"));

        assertThat(t.output().tail(LogStream.STDOUT).lines()).containsExactly("gave up");
        await().atMost(WAIT).until(() -> String.join("\n", t.output().tail(LogStream.STDERR).lines()).toLowerCase().contains("fork"));
        Path pids = cg.dir(Controller.PIDS, t);
        assertThat(CgroupFixture.read(pids.resolve("pids.max"))).isEqualTo("8");
        assertThat(CgroupFixture.read(pids.resolve("pids.events"))).matches("(?s).*max [1-9].*");
        await().atMost(WAIT).until(() -> t.pids().stream().map(ProcessInfo::command).toList(),
                l -> l.size() == 7 && l.stream().allMatch("sleep"::equals));
        assertThat(t.stats().pids()).isEqualTo(7);
    }

    @Test
    void aForkBombIsContainedAndKilledWithinOneSecond() throws Exception {
        cg = CgroupFixture.detected();
        forkBomb();
    }

    @Test
    void aForkBombIsContainedAndKilledWithinOneSecondThroughTheV1Freezer() throws Exception {
        cg = CgroupFixture.v1Only();
        forkBomb();
    }

    private void forkBomb() throws Exception {
        // perl's fork bomb stays at the limit: a failed fork is retried. The shell's (b() { b | b & }; b) dies
        // out within 1-2 s once its forks fail, sometimes before the first look at pids.current.
        Task t = cg.start("bomb", sh("perl -e 'fork while 1' & read x").stdin(Redirect.PIPE).build(),
                Resources.builder().pidsLimit(64).build());
        Path pidsDir = cg.dir(Controller.PIDS, t);
        await().atMost(WAIT).until(() -> Long.parseLong(CgroupFixture.read(pidsDir.resolve("pids.current"))) >= 60);
        assertThat(Long.parseLong(CgroupFixture.read(pidsDir.resolve("pids.current")))).isLessThanOrEqualTo(64);

        long start = System.nanoTime();
        t.kill(Signal.SIGKILL, true);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> t.exit().isPresent() && CgroupFixture.read(pidsDir.resolve("cgroup.procs")).isEmpty());
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(tookMs).isLessThan(1000);
        assertThat(t.exit().orElseThrow().signal()).contains(Signal.SIGKILL);
    }

    @Test
    void pidsListEveryProcessOfTheCgroupEvenOneThatLeftTheProcessGroup() throws Exception {
        cg = CgroupFixture.detected();
        Task t = cg.start("pids", sh("setsid sleep 1000 & echo $!; read x").stdin(Redirect.PIPE).stdout(Redirect.PIPE).build(),
                Resources.builder().pidsLimit(16).build());
        long escaped = Long.parseLong(await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines(),
                l -> !l.isEmpty()).getFirst().strip());
        await().atMost(WAIT).until(() -> ProcFs.stat(escaped).map(s -> s.comm().equals("sleep")).orElse(false));
        assertThat(ProcFs.stat(escaped).orElseThrow().pgrp()).as("its own session and group").isNotEqualTo(t.pid());

        assertThat(t.pids()).extracting(ProcessInfo::pid).containsExactlyInAnyOrder(t.pid(), escaped);

        t.kill(Instant.now().plus(WAIT));
        await().atMost(WAIT).until(() -> ProcFs.stat(escaped).map(s -> s.state() == 'Z').orElse(true));
    }

    @Test
    void updateChangesTheLimitsInTheCgroupFiles() throws Exception {
        cg = CgroupFixture.detected();
        Task t = cg.start("update", ProcessSpec.of("/bin/sleep", "1000"),
                Resources.builder().memoryBytes(64L << 20).pidsLimit(32).build());
        Path memory = cg.dir(Controller.MEMORY, t);
        assertThat(CgroupFixture.read(memory.resolve(memoryLimitFile()))).isEqualTo(Long.toString(64L << 20));

        t.update(Resources.builder().memoryBytes(128L << 20).cpus(0.25).build());

        assertThat(CgroupFixture.read(memory.resolve(memoryLimitFile()))).isEqualTo(Long.toString(128L << 20));
        assertThat(CgroupFixture.read(cg.dir(Controller.CPU, t).resolve(cpuQuotaFile()))).startsWith("25000");
        assertThat(CgroupFixture.read(cg.dir(Controller.PIDS, t).resolve("pids.max"))).isEqualTo("32");
        assertThat(t.resources()).isEqualTo(Resources.builder().memoryBytes(128L << 20).pidsLimit(32).cpus(0.25).build());
        assertThat(t.stats().memoryLimitBytes()).isEqualTo(128L << 20);
        t.kill(Instant.now().plus(WAIT));
    }

    private String memoryLimitFile() {
        return cg.layout.version(Controller.MEMORY) == CgroupLayout.Version.V2 ? "memory.max" : "memory.limit_in_bytes";
    }

    /** What the init leaves (here a process that left its group) dies with it; the delete removes the cgroups. */
    @Test
    void theInitsExitKillsWhatIsLeftAndDeleteRemovesTheCgroups() throws Exception {
        cg = CgroupFixture.detected();
        Task t = cg.start("delete", sh("setsid sleep 1000 & echo $!").stdout(Redirect.PIPE).build(),
                Resources.builder().pidsLimit(16).build());
        long orphan = Long.parseLong(await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines(),
                l -> !l.isEmpty()).getFirst().strip());
        t.await(WAIT).orElseThrow();
        List<Path> dirs = new ArrayList<>();
        for (Controller c : List.of(Controller.MEMORY, Controller.PIDS, Controller.CPU, Controller.FREEZER)) {
            dirs.add(cg.dir(c, t));
        }
        if (cg.layout.usesV2()) {
            dirs.add(cg.v2Dir(t));
        }
        assertThat(dirs).allSatisfy(d -> assertThat(d).isDirectory());
        await().atMost(WAIT).until(() -> ProcFs.stat(orphan).map(s -> s.state() == 'Z' || !s.comm().equals("sleep")).orElse(true));

        t.delete();

        assertThat(dirs).allSatisfy(d -> assertThat(Files.exists(d)).as(d.toString()).isFalse());
    }

    @Test
    void anExecdProcessJoinsTheTasksCgroups() throws Exception {
        cg = CgroupFixture.detected();
        Task t = cg.start("exec", ProcessSpec.of("/bin/sleep", "1000"), Resources.builder().pidsLimit(8).build());
        overseer.core.TaskProcess p = t.exec("probe", ProcessSpec.builder("/bin/cat", "/proc/self/cgroup").stdout(Redirect.PIPE).build());
        p.start();
        p.await(WAIT).orElseThrow();
        p.output().drained().get(10, TimeUnit.SECONDS);
        String suffix = "/" + cg.parent + "/" + CgroupFixture.NS + "/" + t.id();
        assertThat(p.output().tail(LogStream.STDOUT).lines()).anySatisfy(l -> assertThat(l).matches("\\d+:pids:" + suffix));
        overseer.core.TaskProcess sleeper = t.exec("sleeper", ProcessSpec.of("/bin/sleep", "1000"));
        sleeper.start();
        assertThat(t.pids()).extracting(ProcessInfo::pid).contains(t.pid(), sleeper.pid());
        t.kill(Instant.now().plus(WAIT));
        assertThat(sleeper.await(WAIT)).as("killing the task's cgroup kills its exec'd processes").isPresent();
    }

    @Test
    void tasksWithoutLimitsGetNoCgroup() throws Exception {
        cg = CgroupFixture.detected();
        Task t = cg.start("plain", ProcessSpec.of("/bin/true"), Resources.NONE);
        t.await(WAIT).orElseThrow();
        assertThat(cg.leftovers()).isEmpty();
    }

    /** Topics published until one with {@code last} (inclusive), or until WAIT. */
    private static List<String> topics(Subscription sub, String last) throws InterruptedException {
        List<String> out = new ArrayList<>();
        Instant end = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(end)) {
            Envelope e = sub.poll(Duration.between(Instant.now(), end)).orElse(null);
            if (e == null) {
                break;
            }
            out.add(e.topic());
            if (e.topic().equals(last)) {
                break;
            }
        }
        return out;
    }
}
