package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.ProcessStats;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Task;
import overseer.core.TaskStats;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static overseer.linux.CgroupFixture.sh;

/** Stats of a task from its cgroup, and of each process from /proc, with and without a cgroup. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TaskStatsIT extends CgroupTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MIB = 1L << 20;

    @Test
    void statsComeFromTheCgroupAndEachProcessFromProc() throws Exception {
        cg = CgroupFixture.detected();
        // A child holding 24 MiB (tail -c keeps what it read) and a busy parent.
        Task t = cg.start("stats", sh("head -c 24m /dev/zero | tail -c 24m > /dev/null & "
                        + "sleep 1000 & echo started; while :; do :; done").stdout(Redirect.PIPE).build(),
                Resources.builder().memoryBytes(128 * MIB).pidsLimit(32).build());
        await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines().contains("started"));
        await().atMost(WAIT).until(() -> t.stats().cpuUsageNs() > 50_000_000L);

        TaskStats s = t.stats();

        assertThat(s.memoryLimitBytes()).isEqualTo(128 * MIB);
        assertThat(s.memoryUsageBytes()).isPositive();
        assertThat(s.memoryMaxUsageBytes()).isGreaterThanOrEqualTo(s.memoryUsageBytes());
        assertThat(s.pids()).isGreaterThanOrEqualTo(2);
        assertThat(s.oomKills()).isZero();
        assertThat(s.processes()).extracting(ProcessStats::pid).contains(t.pid());
        ProcessStats init = s.processes().stream().filter(p -> p.pid() == t.pid()).findFirst().orElseThrow();
        assertThat(init.rss()).isPositive();
        assertThat(init.vms()).isGreaterThan(init.rss());
        assertThat(init.swap()).isGreaterThanOrEqualTo(0);
        // A busy loop, in percent of a core, once it has had the CPU for a while (ticks are 10 ms).
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(t.stats().processes())
                .filteredOn(p -> p.pid() == t.pid()).singleElement().satisfies(p -> assertThat(p.cpu()).isGreaterThan(20)));
        t.kill(Instant.now().plus(WAIT));
    }

    @Test
    void aTaskWithoutACgroupHasProcessStatsAndNoLimit() throws Exception {
        cg = CgroupFixture.detected();
        Task t = cg.start("plain", ProcessSpec.of("/bin/sleep", "1000"), Resources.NONE);

        TaskStats s = t.stats();

        assertThat(s.memoryLimitBytes()).isEqualTo(-1);
        assertThat(s.memoryMaxUsageBytes()).isEqualTo(-1);
        assertThat(s.pids()).isEqualTo(1);
        assertThat(s.memoryUsageBytes()).isEqualTo(s.processes().getFirst().rss()).isPositive();
        t.kill(Instant.now().plus(WAIT));
    }
}
