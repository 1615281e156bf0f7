package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.ProcessStats;
import overseer.core.Resources;
import overseer.core.TaskStats;
import overseer.linux.CgroupLayout.Controller;
import overseer.linux.CgroupLayout.Version;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The cgroup logic against fake cgroup file systems in a temporary directory: a pure v2 host (what most
 * users run, and what this repo's hosts cannot offer with controllers), a hybrid host like this repo's, a
 * v1 host, and none. The kernel is played by the test: it writes the files the kernel would.
 */
class FakeCgroupTreeTest {
    private static final long MIB = 1L << 20;

    @TempDir
    Path root;

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file).strip();
    }

    /** A systemd-style v2 host: controllers enabled at the root, a child cgroup with the core files. */
    private void pureV2() throws IOException {
        write(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        write(root.resolve("cgroup.subtree_control"), "cpu io memory pids\n");
        for (String f : List.of("cgroup.procs", "cgroup.kill", "cgroup.freeze", "cgroup.events")) {
            write(root.resolve("init.scope").resolve(f), "");
        }
    }

    /** This repo's hosts: v1 controllers (cpu and cpuacct mounted together here), an empty v2 at unified. */
    private void hybrid() throws IOException {
        for (String h : List.of("cpu,cpuacct", "memory", "pids", "blkio", "freezer", "devices", "systemd")) {
            write(root.resolve(h).resolve("tasks"), "");
        }
        Files.createSymbolicLink(root.resolve("cpu"), root.resolve("cpu,cpuacct"));
        Files.createSymbolicLink(root.resolve("cpuacct"), root.resolve("cpu,cpuacct"));
        write(root.resolve("memory").resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        write(root.resolve("unified").resolve("cgroup.controllers"), "hugetlb\n");
        write(root.resolve("unified").resolve("cgroup.subtree_control"), "\n");
        for (String f : List.of("cgroup.procs", "cgroup.kill", "cgroup.freeze", "cgroup.events")) {
            write(root.resolve("unified").resolve("some.scope").resolve(f), "");
        }
    }

    // --- layout ---------------------------------------------------------------------------------------

    @Test
    void detectsAPureV2Host() throws IOException {
        pureV2();
        CgroupLayout l = CgroupLayout.detect(root);

        assertThat(l.v1()).isEmpty();
        assertThat(l.v2()).hasValueSatisfying(v -> {
            assertThat(v.mount()).isEqualTo(root);
            assertThat(v.controllers()).contains("cpu", "memory", "pids", "io", "hugetlb");
            assertThat(v.enabled()).containsExactlyInAnyOrder("cpu", "io", "memory", "pids");
            assertThat(v.kill()).isTrue();
            assertThat(v.freeze()).isTrue();
            assertThat(v.events()).isTrue();
        });
        for (Controller c : Controller.values()) {
            assertThat(l.version(c)).as(c.word()).isEqualTo(Version.V2);
        }
        assertThat(l.usesV2()).isTrue();
        assertThat(l.v1Hierarchies()).isEmpty();
        assertThat(l.usable()).isTrue();
        assertThat(l.describe()).containsEntry("kill", "v2 cgroup.kill").containsEntry("freeze", "v2 cgroup.freeze");
    }

    @Test
    void detectsAHybridHostAndUsesV2OnlyForTrackingFreezingAndKilling() throws IOException {
        hybrid();
        CgroupLayout l = CgroupLayout.detect(root);

        Path cpu = root.resolve("cpu,cpuacct");
        assertThat(l.v1()).containsEntry(Controller.CPU, cpu.toRealPath()).containsEntry(Controller.CPUACCT, cpu.toRealPath())
                .containsKeys(Controller.MEMORY, Controller.PIDS, Controller.IO, Controller.FREEZER);
        assertThat(l.version(Controller.MEMORY)).isEqualTo(Version.V1);
        assertThat(l.version(Controller.IO)).isEqualTo(Version.V1);
        assertThat(l.version(Controller.FREEZER)).as("cgroup.freeze wins over the v1 freezer").isEqualTo(Version.V2);
        assertThat(l.usesV2()).isTrue();
        // cpu and cpuacct share one hierarchy; the v1 freezer is not needed.
        assertThat(l.v1Hierarchies()).hasSize(4).doesNotContain(root.resolve("freezer").toRealPath());
        assertThat(l.placement()).startsWith("v1 and v2: ").contains("a gate (");

        CgroupLayout v1 = l.withoutV2();
        assertThat(v1.version(Controller.FREEZER)).isEqualTo(Version.V1);
        assertThat(v1.usesV2()).isFalse();
        assertThat(v1.describe()).containsEntry("kill", "freeze, SIGKILL every process, thaw")
                .containsEntry("tracking", "v1 freezer cgroup.procs");
    }

    @Test
    void aControllerlessV2CanBeLeftAsideToSpareTheGate() throws IOException {
        hybrid();
        NativeRuntime tracking = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupRoot(root));
        NativeRuntime v1 = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupRoot(root).withV2Tracking(false));
        try {
            assertThat(tracking.cgroupLayout().usesV2()).isTrue();
            assertThat(v1.cgroupLayout().usesV2()).isFalse();
            assertThat(v1.cgroupLayout().version(Controller.FREEZER)).isEqualTo(Version.V1);
        } finally {
            tracking.close();
            v1.close();
        }
    }

    @Test
    void anEmptyRootHasNoCgroupsAndSaysWhy() {
        CgroupLayout l = CgroupLayout.detect(root.resolve("nothing-here"));
        assertThat(l.usable()).isFalse();
        assertThat(l.problem()).hasValueSatisfying(p -> assertThat(p).startsWith("no cgroup hierarchy found"));
        NativeRuntime r = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupRoot(root.resolve("nothing-here")));
        try {
            assertThat(r.features()).doesNotContain(overseer.core.spi.TaskRuntime.Feature.RESOURCES,
                    overseer.core.spi.TaskRuntime.Feature.FREEZER).contains(overseer.core.spi.TaskRuntime.Feature.STATS);
        } finally {
            r.close();
        }
    }

    // --- v2 limits, counters, freezer -------------------------------------------------------------------

    @Test
    void v2LimitsAreWrittenToTheV2FilesWithTheControllersEnabledOnTheWay() throws IOException {
        pureV2();
        CgroupTree tree = new CgroupTree(CgroupLayout.detect(root), "overseer-test");
        TaskCgroup cg = tree.create("ns", "t1", false);
        Path dir = root.resolve("overseer-test/ns/t1");
        assertThat(dir).isDirectory();
        assertThat(read(root.resolve("overseer-test/cgroup.subtree_control"))).isEqualTo("+cpu +memory +pids +io");
        assertThat(read(root.resolve("overseer-test/ns/cgroup.subtree_control"))).isEqualTo("+cpu +memory +pids +io");
        write(dir.resolve("io.weight"), "default 100\n"); // the kernel makes it when iocost is on

        cg.apply(Resources.builder().cpus(0.5).cpuWeight(200).memoryBytes(64 * MIB).swapBytes(96 * MIB)
                .pidsLimit(64).ioWeight(300).build());

        assertThat(read(dir.resolve("cpu.max"))).isEqualTo("50000 100000");
        assertThat(read(dir.resolve("cpu.weight"))).isEqualTo("200");
        assertThat(read(dir.resolve("memory.max"))).isEqualTo(Long.toString(64 * MIB));
        assertThat(read(dir.resolve("memory.swap.max"))).as("v2 limits swap alone").isEqualTo(Long.toString(32 * MIB));
        assertThat(read(dir.resolve("pids.max"))).isEqualTo("64");
        assertThat(read(dir.resolve("io.weight"))).isEqualTo("default 300");
        // Gated when no clone into the cgroup is asked for (this fake tree is no cgroupfs a clone could enter).
        assertThat(cg.placement(false).threadTasks()).as("no thread placement on a pure v2 host").isEmpty();
        assertThat(cg.placement(false).gateProcs()).containsExactly(dir.resolve("cgroup.procs"));

        cg.apply(Resources.builder().cpus(0.001).build());
        assertThat(read(dir.resolve("cpu.max"))).as("the kernel's smallest quota").isEqualTo("1000 100000");
    }

    @Test
    void theGateWritesThePidToCgroupProcsBeforeTheProgramRuns() throws Exception {
        pureV2();
        try (overseer.core.Tasks tasks = new overseer.core.Tasks(new NativeRuntime(
                NativeRuntime.Options.defaults().withCgroupRoot(root).withCgroupParent("overseer-test")
                        .withCloneIntoCgroup(false)))) { // a fake tree: no clone3 can enter it, the gate writes
            overseer.core.Task t = tasks.create("ns", overseer.core.TaskSpec.of("gated",
                            overseer.core.ProcessSpec.builder("/bin/sh", "-c", "echo $$; cat /proc/$$/cmdline | tr '\\0' ' '")
                                    .stdout(overseer.core.Redirect.PIPE).build())
                    .withResources(Resources.builder().pidsLimit(8).build()));
            t.start();
            Path procs = root.resolve("overseer-test/ns/gated/cgroup.procs");
            assertThat(read(procs)).isEqualTo(Long.toString(t.pid()));
            assertThat(t.await(java.time.Duration.ofSeconds(10)).orElseThrow().exitCode()).isZero();
            t.output().drained().get(10, java.util.concurrent.TimeUnit.SECONDS);
            // The program ran as the same pid the gate had.
            assertThat(t.output().tail(overseer.core.LogStream.STDOUT).lines())
                    .containsExactly(Long.toString(t.pid()), "/bin/sh -c echo $$; cat /proc/$$/cmdline | tr '\\0' ' ' ");
            assertThat(read(root.resolve("overseer-test/ns/gated/pids.max"))).isEqualTo("8");
            write(procs, ""); // the kernel: the process has left

            overseer.core.Task fds = tasks.create("ns", overseer.core.TaskSpec.of("fds",
                            overseer.core.ProcessSpec.builder("/bin/ls", "/proc/self/fd").stdout(overseer.core.Redirect.PIPE).build())
                    .withResources(Resources.builder().pidsLimit(8).build()));
            fds.start();
            fds.await(java.time.Duration.ofSeconds(10)).orElseThrow();
            fds.output().drained().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(fds.output().tail(overseer.core.LogStream.STDOUT).lines()).as("the gate's pipe is closed before the exec")
                    .containsExactly("0", "1", "2", "3");
            write(root.resolve("overseer-test/ns/fds/cgroup.procs"), "");
        }
    }

    @Test
    void aProcessThatCannotBePlacedNeverRunsTheProgram() throws Exception {
        pureV2();
        // A cgroup.procs that cannot be written (here: a directory) stands for any failed placement.
        Files.createDirectories(root.resolve("overseer-test/ns/unplaceable/cgroup.procs"));
        Path marker = root.resolve("ran");
        try (overseer.core.Tasks tasks = new overseer.core.Tasks(new NativeRuntime(
                NativeRuntime.Options.defaults().withCgroupRoot(root).withCgroupParent("overseer-test")
                        .withCloneIntoCgroup(false)))) { // a fake tree: no clone3 can enter it, the gate writes
            overseer.core.Task t = tasks.create("ns", overseer.core.TaskSpec.of("unplaceable",
                            overseer.core.ProcessSpec.of("/usr/bin/touch", marker.toString()))
                    .withResources(Resources.builder().pidsLimit(8).build()));

            OverseerException e = catchThrowableOfType(OverseerException.class, t::start);

            assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
            assertThat(e.getMessage()).startsWith("cannot place process ").contains("unplaceable");
            assertThat(t.status()).isEqualTo(overseer.core.Status.CREATED);
            assertThat(marker).as("the program never ran").doesNotExist();
            long self = ProcessHandle.current().pid();
            assertThat(ProcFs.all()).as("the gated child was reaped").noneMatch(s -> s.ppid() == self && s.state() == 'Z');
        }
    }

    @Test
    void v2StatsAndOomKillsComeFromTheV2Files() throws IOException {
        pureV2();
        TaskCgroup cg = new CgroupTree(CgroupLayout.detect(root), "overseer-test").create("ns", "t2", false);
        Path dir = root.resolve("overseer-test/ns/t2");
        write(dir.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\n"
                + "nr_throttled 3\nthrottled_usec 700\n");
        write(dir.resolve("memory.current"), "1048576\n");
        write(dir.resolve("memory.peak"), "4194304\n");
        write(dir.resolve("memory.max"), "max\n");
        write(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n");
        write(dir.resolve("pids.current"), "3\n");

        TaskStats s = cg.stats(List.of(new ProcessStats(1, 0, 0, 0, 0)));

        assertThat(s.cpuUsageNs()).isEqualTo(1_500_000);
        assertThat(s.cpuThrottledNs()).isEqualTo(700_000);
        assertThat(s.cpuThrottledPeriods()).isEqualTo(3);
        assertThat(s.memoryUsageBytes()).isEqualTo(MIB);
        assertThat(s.memoryMaxUsageBytes()).isEqualTo(4 * MIB);
        assertThat(s.memoryLimitBytes()).as("max is unlimited").isEqualTo(-1);
        assertThat(s.pids()).isEqualTo(3);
        assertThat(s.oomKills()).isEqualTo(2);
        assertThat(s.processes()).hasSize(1);
    }

    @Test
    void v2OomKillsAreReportedOnceEach() throws IOException {
        pureV2();
        TaskCgroup cg = new CgroupTree(CgroupLayout.detect(root), "overseer-test").create("ns", "oom", false);
        Path events = root.resolve("overseer-test/ns/oom/memory.events");
        write(events, "oom 0\noom_kill 0\n");
        java.util.concurrent.atomic.AtomicInteger reported = new java.util.concurrent.atomic.AtomicInteger();
        try (EventLoop loop = new EventLoop("test-loop")) {
            OomWatch w = new OomWatch(loop, cg, reported::incrementAndGet);
            w.start(); // a regular file cannot be watched: exits alone will look, as here
            write(events, "oom 2\noom_kill 2\n");
            assertThat(w.check()).isEqualTo(2);
            assertThat(w.check()).isZero();
            write(events, "oom 3\noom_kill 3\n");
            w.close();
        }
        assertThat(reported).hasValue(3);
    }

    @Test
    void v2CyclePeakIsReadThroughTheDescriptorThatResetIt() throws IOException {
        pureV2();
        TaskCgroup cg = new CgroupTree(CgroupLayout.detect(root), "overseer-test").create("ns", "peak", false);
        Path peak = root.resolve("overseer-test/ns/peak/memory.peak");
        write(peak, "99999999\n");

        cg.resetPeak();
        assertThat(read(peak)).as("the reset written to memory.peak").startsWith("reset");
        write(peak, "2097152\n"); // the kernel: the peak since that reset
        assertThat(cg.peakBytes()).isEqualTo(2 * MIB);
    }

    @Test
    void v2FreezeWaitsForFrozenAndKillWritesCgroupKill() throws IOException {
        pureV2();
        TaskCgroup cg = new CgroupTree(CgroupLayout.detect(root), "overseer-test").create("ns", "fz", false);
        Path dir = root.resolve("overseer-test/ns/fz");
        write(dir.resolve("cgroup.events"), "populated 1\nfrozen 1\n");

        cg.freeze();
        assertThat(read(dir.resolve("cgroup.freeze"))).isEqualTo("1");
        cg.thaw();
        assertThat(read(dir.resolve("cgroup.freeze"))).isEqualTo("0");
        cg.killAll();
        assertThat(read(dir.resolve("cgroup.kill"))).isEqualTo("1");

        write(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        OverseerException e = catchThrowableOfType(OverseerException.class, cg::freeze);
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(read(dir.resolve("cgroup.freeze"))).as("undone").isEqualTo("0");
    }

    // --- v1 limits ------------------------------------------------------------------------------------

    @Test
    void v1LimitsUseTheV1FilesAndKeepMemswAboveTheMemoryLimit() throws IOException {
        hybrid();
        CgroupLayout l = CgroupLayout.detect(root);
        TaskCgroup cg = new CgroupTree(l, "overseer-test").create("ns", "v1", false);
        Path memory = l.v1().get(Controller.MEMORY).resolve("overseer-test/ns/v1");
        Path cpu = l.v1().get(Controller.CPU).resolve("overseer-test/ns/v1");
        Path blkio = l.v1().get(Controller.IO).resolve("overseer-test/ns/v1");
        write(memory.resolve("memory.memsw.limit_in_bytes"), "9223372036854771712\n");
        write(blkio.resolve("blkio.bfq.weight"), "100\n");

        cg.apply(Resources.builder().cpus(1.5).cpuWeight(100).memoryBytes(64 * MIB).swapBytes(128 * MIB)
                .pidsLimit(10).ioWeight(10_000).build());

        assertThat(read(cpu.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        assertThat(read(cpu.resolve("cpu.cfs_quota_us"))).isEqualTo("150000");
        assertThat(read(cpu.resolve("cpu.shares"))).as("weight 100 is the default 1024 shares").isEqualTo("1024");
        assertThat(read(memory.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(64 * MIB));
        assertThat(read(memory.resolve("memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(128 * MIB));
        assertThat(read(blkio.resolve("blkio.bfq.weight"))).isEqualTo("1000");
        // The gate is there for v2 anyway: it places the process in the v1 cgroups too. A clone into the v2
        // cgroup alone would leave the v1 ones to a write after all, so a task with v1 cgroups is gated.
        assertThat(cg.placement(true).threadTasks()).isEmpty();
        assertThat(cg.placement(true).bornIn()).isEmpty();
        assertThat(cg.placement(true).gateProcs()).hasSize(5).contains(memory.resolve("cgroup.procs"),
                root.resolve("unified/overseer-test/ns/v1/cgroup.procs"));

        TaskCgroup v1Only = new CgroupTree(l.withoutV2(), "overseer-test").create("ns", "v1only", false);
        assertThat(v1Only.placement(true).gateProcs()).isEmpty();
        assertThat(v1Only.placement(true).bornIn()).isEmpty();
        assertThat(v1Only.placement(true).threadTasks()).as("cpu,cpuacct + memory + pids + blkio + freezer").hasSize(5)
                .allSatisfy(f -> assertThat(f.getFileName().toString()).isEqualTo("tasks"));
    }

    @Test
    void cpuWeightAndIoWeightMapOntoV1Ranges() {
        assertThat(CgroupLimits.cpuShares(1)).isEqualTo(10);
        assertThat(CgroupLimits.cpuShares(100)).isEqualTo(1024);
        assertThat(CgroupLimits.cpuShares(10_000)).isEqualTo(102_400);
        assertThat(CgroupLimits.blkioWeight(1)).isEqualTo(10);
        assertThat(CgroupLimits.blkioWeight(10_000)).isEqualTo(1000);
    }

    // --- limits as a mapping --------------------------------------------------------------------------

    /** Each write as "field file=value", the file relative to the fake root. */
    private List<String> written(List<CgroupLimits.Write> writes) throws IOException {
        Path real = root.toRealPath();
        return writes.stream().map(w -> w.field() + " " + real.relativize(w.file()) + "=" + w.value()).toList();
    }

    @Test
    void limitsMapToWritesInTheOrderV1TakesThemAndWriteNothing() throws IOException {
        hybrid();
        CgroupLayout l = CgroupLayout.detect(root).withoutV2();
        Map<Controller, Path> dirs = new java.util.EnumMap<>(Controller.class);
        l.v1().forEach((c, mount) -> dirs.put(c, mount.resolve("ns/t")));
        Path memsw = dirs.get(Controller.MEMORY).resolve("memory.memsw.limit_in_bytes");
        write(memsw, 16 * MIB + "\n"); // an earlier, smaller memory+swap limit
        Resources r = Resources.builder().cpus(0.25).cpuWeight(50).memoryBytes(64 * MIB).swapBytes(128 * MIB).pidsLimit(7).build();

        assertThat(written(CgroupLimits.of(r, l, dirs))).as("raising memory+swap: it goes up first").containsExactly(
                "resources.cpus cpu,cpuacct/ns/t/cpu.cfs_period_us=100000",
                "resources.cpus cpu,cpuacct/ns/t/cpu.cfs_quota_us=25000",
                "resources.cpuWeight cpu,cpuacct/ns/t/cpu.shares=512",
                "resources.swapBytes memory/ns/t/memory.memsw.limit_in_bytes=" + 128 * MIB,
                "resources.memoryBytes memory/ns/t/memory.limit_in_bytes=" + 64 * MIB,
                "resources.pidsLimit pids/ns/t/pids.max=7");
        assertThat(read(memsw)).as("a mapping writes nothing").isEqualTo(Long.toString(16 * MIB));

        write(memsw, "9223372036854771712\n"); // unlimited: the memory limit must come down below it first
        assertThat(written(CgroupLimits.of(Resources.builder().memoryBytes(64 * MIB).swapBytes(128 * MIB).build(), l, dirs)))
                .as("lowering memory+swap: the memory limit goes down first")
                .containsExactly("resources.memoryBytes memory/ns/t/memory.limit_in_bytes=" + 64 * MIB,
                        "resources.swapBytes memory/ns/t/memory.memsw.limit_in_bytes=" + 128 * MIB);
    }

    @Test
    void aLimitWhoseControllerIsMissingIsUnavailableNamingTheField() throws IOException {
        pureV2();
        CgroupLayout l = CgroupLayout.detect(root);
        Map<Controller, Path> dirs = Map.of(Controller.CPU, root.resolve("ns/t"));

        assertThat(written(CgroupLimits.of(Resources.builder().cpus(2).build(), l, dirs)))
                .containsExactly("resources.cpus ns/t/cpu.max=200000 100000");
        OverseerException e = catchThrowableOfType(OverseerException.class,
                () -> CgroupLimits.of(Resources.builder().pidsLimit(5).build(), l, dirs));
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("resources.pidsLimit: this host has no pids controller");
    }

    @Test
    void aLimitTheHostCannotApplyIsRefusedNamingTheField() throws IOException {
        write(root.resolve("memory").resolve("tasks"), "");
        CgroupTree tree = new CgroupTree(CgroupLayout.detect(root), "overseer-test");

        OverseerException io = catchThrowableOfType(OverseerException.class,
                () -> tree.requireSupported(Resources.builder().ioWeight(100).build()));
        assertThat(io.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(io.getMessage()).startsWith("resources.ioWeight: this host has no io controller");

        OverseerException swap = catchThrowableOfType(OverseerException.class,
                () -> tree.requireSupported(Resources.builder().memoryBytes(64 * MIB).swapBytes(128 * MIB).build()));
        assertThat(swap.getMessage()).startsWith("resources.swapBytes: swap accounting is off");
    }

    @Test
    void theParentMustBeARelativePath() {
        OverseerException e = catchThrowableOfType(OverseerException.class,
                () -> new CgroupTree(CgroupLayout.detect(root), "../escape"));
        assertThat(e.getMessage()).startsWith("cgroupParent:");
    }

    @Test
    void describesTheLayoutForOverseerInfo() throws IOException {
        hybrid();
        Map<String, Object> d = CgroupLayout.detect(root).describe();
        assertThat(d).containsKeys("root", "usable", "controllers", "v2", "tracking", "kill", "freeze", "placement");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> controllers = (Map<String, Map<String, Object>>) d.get("controllers");
        assertThat(controllers.get("memory")).containsEntry("version", "v1");
        assertThat(controllers.get("freezer")).containsEntry("version", "v2");
        assertThat(d.get("tracking")).isEqualTo("v2 cgroup.procs");
    }
}
