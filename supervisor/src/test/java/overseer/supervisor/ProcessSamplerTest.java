package overseer.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ProcessSpec;
import overseer.core.ProcessStats;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class ProcessSamplerTest {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final long MB = 1024 * 1024;
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close(); // stops and deletes every task, children included
    }

    private Task sh(String script) {
        return tasks.run(TaskSpec.of("sampler-" + IDS.incrementAndGet(), ProcessSpec.of("/bin/sh", "-c", script)));
    }

    @Test
    void aBusyLoopUsesMostOfACoreBetweenTwoSamples() {
        Task busy = sh("while :; do :; done");
        ProcessSampler sampler = new ProcessSampler(busy.pid());
        assertThat(sampler.sample()).get().extracting(ProcessStats::pid).isEqualTo(busy.pid());
        await().pollDelay(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> sampler.sample().orElseThrow().cpu() > 50);
    }

    @Test
    void aSleepingProcessUsesAlmostNothing() {
        Task idle = sh("exec sleep 1000");
        ProcessSampler sampler = new ProcessSampler(idle.pid());
        sampler.sample();
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> sampler.sample().orElseThrow().cpu() < 10);
    }

    @Test
    void cpuOfABusyChildCountsForTheRoot() {
        Task parent = sh("(while :; do :; done) & wait");
        ProcessSampler sampler = new ProcessSampler(parent.pid());
        sampler.sample();
        await().pollDelay(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> sampler.sample().orElseThrow().cpu() > 50);
    }

    @Test
    void memoryIsSummedOverTheTreeIncludingTheChild() throws IOException {
        // the child holds 20 MB in a shell variable; the root only waits for it
        Task parent = sh("sh -c 'x=$(head -c 20000000 /dev/zero | tr \"\\0\" a); sleep 1000' & wait");
        ProcessSampler sampler = new ProcessSampler(parent.pid());
        await().atMost(Duration.ofSeconds(10)).until(() -> sampler.sample().orElseThrow().rss() >= 20_000_000);
        ProcessStats s = sampler.sample().orElseThrow();
        assertThat(s.pid()).isEqualTo(parent.pid());
        assertThat(s.vms()).isGreaterThanOrEqualTo(s.rss());
        assertThat(s.swap()).isNotNegative();
        long rootAlone = ProcessSampler.parseStatus(Files.readString(Path.of("/proc", Long.toString(parent.pid()), "status"))).rss();
        assertThat(rootAlone).isLessThan(10 * MB);
    }

    @Test
    void aProcessThatIsGoneGivesNothing() throws Exception {
        Task quick = sh("exit 0");
        long pid = quick.pid();
        quick.await();
        quick.delete();
        assertThat(new ProcessSampler(pid).sample()).isEmpty();
    }

    // --- against a made-up /proc: the arithmetic, exactly --------------------------------------------------

    @Test
    void cpuIsTheTreesTicksOverTheWallTime(@TempDir Path proc) throws IOException {
        AtomicLong nanos = new AtomicLong(0);
        Files.writeString(proc.resolve("uptime"), "100.00 180.00\n");
        // root 10 started at 90 s (9000 ticks); child 11; 12 is someone else's (ppid 1)
        proc(proc, 10, "sh", 1, 100, 50, 40, 10, 9000, 1000, 4000);
        proc(proc, 11, "wor ker) x", 10, 200, 100, 0, 0, 9500, 2000, 8000);
        proc(proc, 12, "other", 1, 9999, 9999, 0, 0, 100, 50000, 90000);
        ProcessSampler sampler = new ProcessSampler(proc, 10, nanos::get);

        // first sample: 500 ticks = 5 s of CPU over the root's 10 s of life
        ProcessStats first = sampler.sample().orElseThrow();
        assertThat(first.cpu()).isCloseTo(50, within(1e-9));
        assertThat(first.rss()).isEqualTo(3000 * 1024L);
        assertThat(first.vms()).isEqualTo(12000 * 1024L);
        assertThat(first.swap()).isEqualTo(3 * 1024L);

        // 2 s later the child has used 300 more ticks: 3 s over 2 s is 150 % (1.5 cores)
        nanos.set(2_000_000_000L);
        proc(proc, 11, "wor ker) x", 10, 400, 200, 0, 0, 9500, 2000, 8000);
        assertThat(sampler.sample().orElseThrow().cpu()).isCloseTo(150, within(1e-9));

        // the child exits and its parent reaps it: its ticks move to the parent's cutime, nothing is lost
        nanos.set(3_000_000_000L);
        deleteProc(proc, 11);
        proc(proc, 10, "sh", 1, 100, 50, 40 + 600 + 100, 10, 9000, 1000, 4000);
        ProcessStats after = sampler.sample().orElseThrow();
        assertThat(after.cpu()).isCloseTo(100, within(1e-9));
        assertThat(after.rss()).isEqualTo(1000 * 1024L);

        deleteProc(proc, 10);
        assertThat(sampler.sample()).isEmpty();
    }

    @Test
    void parsesStatWithAnAwkwardComm() {
        String line = "42 (a (b) c) S 7 42 42 0 -1 4194560 100 0 0 0 12 34 5 6 20 0 1 0 777 1000 100 "
                + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
        assertThat(ProcessSampler.parseStat(42, line)).contains(new ProcessSampler.Stat(42, 7, 12 + 34 + 5 + 6, 777));
        assertThat(ProcessSampler.parseStat(42, "42 (trunc")).isEmpty();
    }

    private static void proc(Path proc, long pid, String comm, long ppid, long utime, long stime, long cutime,
                             long cstime, long start, long rssKb, long vmKb) throws IOException {
        Path d = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(d.resolve("stat"), "%d (%s) S %d %d %d 0 -1 0 0 0 0 0 %d %d %d %d 20 0 1 0 %d %d %d\n"
                .formatted(pid, comm, ppid, pid, pid, utime, stime, cutime, cstime, start, vmKb * 1024, rssKb / 4));
        Files.writeString(d.resolve("status"), "Name:\t%s\nVmPeak:\t%d kB\nVmSize:\t%d kB\nVmRSS:\t%d kB\nVmSwap:\t%d kB\n"
                .formatted(comm, vmKb, vmKb, rssKb, pid == 12 ? 77 : pid - 9));
    }

    private static void deleteProc(Path proc, long pid) throws IOException {
        Path d = proc.resolve(Long.toString(pid));
        Files.delete(d.resolve("stat"));
        Files.delete(d.resolve("status"));
        Files.delete(d);
    }
}
