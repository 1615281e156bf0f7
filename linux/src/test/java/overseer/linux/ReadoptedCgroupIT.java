package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.Exit;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.CgroupLayout.Controller;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static overseer.linux.CgroupFixture.sh;

/**
 * A task with a memory limit, taken back by a second runtime (as a restarted daemon does): it gets its
 * cgroups back, so update, stats, pause through the freezer, kill-all and delete work as on a fresh task.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadoptedCgroupIT extends CgroupTestBase {
    private static final long MIB = 1L << 20;

    @Test
    void aReadoptedTaskKeepsItsCgroups() throws Exception {
        cg = CgroupFixture.detected();
        assumeTrue(cg.layout.version(Controller.MEMORY) != CgroupLayout.Version.NONE, "no memory controller here");
        // The first runtime starts the task, then goes away without deleting it, as a killed daemon does.
        TaskSpec spec = TaskSpec.of(CgroupFixture.uniqueId("readopt"),
                sh("sleep 1000 & sleep 1000; wait").build()).withResources(Resources.builder().memoryBytes(64 * MIB).build());
        NativeRuntime first = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent), cg.layout);
        Task original = new Tasks(first).create(CgroupFixture.NS, spec);
        original.start();
        long pid = original.pid();
        long startTime = ProcFs.startTime(pid).orElseThrow();
        first.close(); // stops watching; the task and its cgroups stay

        Task t = cg.tasks.reattach(CgroupFixture.NS, spec, pid, startTime, Optional.empty());
        assertThat(t.status()).isEqualTo(Status.RUNNING);
        Path memory = cg.dir(Controller.MEMORY, t);
        await().atMost(Duration.ofSeconds(5)).until(() -> t.pids().size() == 3);

        t.update(Resources.builder().memoryBytes(96 * MIB).build());
        assertThat(t.stats().memoryLimitBytes()).isEqualTo(96 * MIB);
        assertThat(limit(memory)).isEqualTo(96 * MIB);

        t.pause();
        assertThat(t.status()).isEqualTo(Status.PAUSED);
        assertThat(frozen(t)).as("frozen through the cgroup, not SIGSTOP").isTrue();
        t.resume();
        assertThat(frozen(t)).isFalse();

        t.kill(Signal.SIGKILL, true);
        Exit exit = t.onExit().get(10, TimeUnit.SECONDS);
        assertThat(exit.signal()).contains(Signal.SIGKILL);
        await().atMost(Duration.ofSeconds(5)).until(() -> cgroupProcs(memory) == 0); // the background sleep too
        t.delete();
        assertThat(cg.leftovers()).as("the task's cgroups, after delete")
                .noneMatch(d -> d.getFileName().toString().equals(spec.id()));
    }

    @Test
    void aTaskWhosePidWasNeverRecordedIsFoundByItsCgroup() throws Exception {
        cg = CgroupFixture.detected();
        assumeTrue(cg.layout.version(Controller.PIDS) != CgroupLayout.Version.NONE
                || cg.layout.version(Controller.MEMORY) != CgroupLayout.Version.NONE, "no controllers here");
        // A daemon recorded the start (pid 0) and died before it wrote the pid: every task has a cgroup.
        TaskSpec spec = TaskSpec.of(CgroupFixture.uniqueId("nopid"), sh("sleep 1000 & exec sleep 1000").build());
        NativeRuntime first = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true), cg.layout);
        Task original = new Tasks(first).create(CgroupFixture.NS, spec);
        original.start();
        long pid = original.pid();
        first.close();

        NativeRuntime second = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true), cg.layout);
        try (Tasks tasks = new Tasks(second)) {
            Task t = tasks.reattach(CgroupFixture.NS, spec, 0, 0, Optional.empty());
            assertThat(t.status()).isEqualTo(Status.RUNNING);
            assertThat(t.pid()).as("the init process, found in the task's cgroup").isEqualTo(pid);
            t.kill(Signal.SIGKILL, true);
            assertThat(t.onExit().get(10, TimeUnit.SECONDS).signal()).contains(Signal.SIGKILL);
            t.delete();
        }
        assertThat(cg.leftovers()).noneMatch(d -> d.getFileName().toString().equals(spec.id()));
    }

    private boolean frozen(Task t) {
        return switch (cg.layout.version(Controller.FREEZER)) {
            case V2 -> CgroupFixture.read(cg.v2Dir(t).resolve("cgroup.events")).contains("frozen 1");
            case V1 -> CgroupFixture.read(cg.dir(Controller.FREEZER, t).resolve("freezer.state")).equals("FROZEN");
            case NONE -> throw new AssertionError("no freezer");
        };
    }

    private long limit(Path memory) {
        Path v2 = memory.resolve("memory.max");
        return Long.parseLong(CgroupFixture.read(Files.exists(v2) ? v2 : memory.resolve("memory.limit_in_bytes")));
    }

    private static long cgroupProcs(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).count();
    }
}
