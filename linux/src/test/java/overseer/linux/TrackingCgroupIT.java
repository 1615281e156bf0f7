package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.LogStream;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.TaskStats;
import overseer.core.Tasks;
import overseer.linux.CgroupLayout.Controller;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static overseer.linux.CgroupFixture.sh;

/**
 * A cgroup for every task (the daemon's choice) costs one hierarchy for a task without limits: the tracking
 * one, which finds, freezes and kills all of its processes. Its CPU and memory then come from /proc; limits
 * given later by an update bring the other hierarchies, with every process moved into them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrackingCgroupIT extends CgroupTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** A shell with a child: an update must move both. */
    private static final String FAMILY = "sleep 1000 & echo $!; while :; do :; done";

    @Test
    void aTaskWithoutLimitsGetsTheTrackingCgroupAloneOnTheHostsLayout() throws Exception {
        cg = CgroupFixture.detected();
        checkOneHierarchyThenWiden(cg.layout);
    }

    @Test
    void onV1AloneTheTrackingCgroupIsTheFreezersAndNoGateIsPaid() throws Exception {
        cg = CgroupFixture.v1Only();
        checkOneHierarchyThenWiden(cg.layout);
    }

    private void checkOneHierarchyThenWiden(CgroupLayout layout) throws Exception {
        NativeRuntime every = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true), layout);
        try (Tasks tasks = new Tasks(every)) {
            Task t = tasks.create(CgroupFixture.NS, TaskSpec.of(CgroupFixture.uniqueId("track"),
                    sh(FAMILY).stdout(Redirect.PIPE).build()));
            t.start();
            long child = Long.parseLong(await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT)
                    .lines(), l -> !l.isEmpty()).getFirst().strip());

            List<Path> made = taskDirs(layout, t);
            assertThat(made).as("one directory: the tracking hierarchy's").hasSize(1);
            assertThat(made.getFirst()).isEqualTo(taskDirs(layout.tracking(), t).getFirst());
            if (!layout.usesV2()) {
                assertThat(made.getFirst().startsWith(layout.v1().get(Controller.FREEZER))).isTrue();
            }
            assertThat(t.pids()).extracting(p -> p.pid()).contains(child, (long) t.pid());

            // CPU and memory by /proc: the shell spins, so its CPU grows; its memory is what it maps.
            TaskStats first = t.stats();
            assertThat(first.memoryUsageBytes()).isPositive();
            await().atMost(WAIT).until(() -> t.stats().cpuUsageNs() > first.cpuUsageNs() + 10_000_000L);

            t.update(Resources.builder().memoryBytes(256L << 20).pidsLimit(64).build());

            Path memory = cg.dir(Controller.MEMORY, t);
            assertThat(Files.isDirectory(memory)).isTrue();
            assertThat(CgroupFixture.read(memory.resolve(layout.version(Controller.MEMORY) == CgroupLayout.Version.V2
                    ? "memory.max" : "memory.limit_in_bytes"))).isEqualTo(Long.toString(256L << 20));
            assertThat(CgroupFs.pids(memory.resolve("cgroup.procs"))).as("every process moved in")
                    .contains(child, (long) t.pid());
            assertThat(CgroupFs.pids(cg.dir(Controller.PIDS, t).resolve("cgroup.procs"))).contains(child, (long) t.pid());
            assertThat(t.stats().memoryLimitBytes()).isEqualTo(256L << 20);

            t.kill(Signal.SIGKILL, false);
            t.await(WAIT);
            t.delete();
            await().atMost(WAIT).until(() -> !ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
            assertThat(taskDirs(layout, t)).as("every hierarchy's directory removed").isEmpty();
        }
    }

    /** The task's directories that exist, in every hierarchy of {@code layout}. */
    private List<Path> taskDirs(CgroupLayout layout, Task t) {
        Stream<Path> hs = layout.v1Hierarchies().stream();
        if (layout.usesV2()) {
            hs = Stream.concat(hs, Stream.of(layout.v2().orElseThrow().mount()));
        }
        return hs.map(h -> h.resolve(cg.parent).resolve(t.namespace()).resolve(t.id())).filter(Files::isDirectory).toList();
    }
}
