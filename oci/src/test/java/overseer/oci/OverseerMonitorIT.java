package overseer.oci;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Signal;
import overseer.linux.BundledProgram;
import overseer.linux.Pidfd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * overseer-monitor on its own, with a shell in the runtime's place: like {@code run --detach}, it starts the
 * process in the background, writes its pid into the pid file and exits, leaving the process to the monitor.
 * What is checked is conmon's contract as {@link OciProcess} reads it (the oci ITs run it under real runtimes).
 * The processes live at least 0.1 s: one that ended sooner could be reaped by the shell before it leaves (which
 * {@link #aProcessTheRuntimeReapedEndsWithAnUnknownStatus} checks on purpose).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OverseerMonitorIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    @TempDir
    Path dir;
    private String monitor;

    /** A monitor a failed test left waiting (its process, the runtime's shell's child, ends by itself). */
    @AfterEach
    void stopTheMonitor() throws IOException {
        Path file = dir.resolve("conmon.pid");
        if (!Files.exists(file)) {
            return;
        }
        long pid = Long.parseLong(Files.readString(file).strip());
        // Through a pidfd opened before the check that it is this test's monitor, so that a pid used again is safe.
        Optional<Pidfd> monitorFd = Pidfd.open(pid);
        try {
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            if (cmdline.contains(dir.toString())) {
                monitorFd.ifPresent(fd -> fd.signal(Signal.SIGKILL));
            }
        } catch (IOException gone) {
            // ended: nothing to stop
        } finally {
            monitorFd.ifPresent(Pidfd::close);
        }
    }

    @BeforeEach
    void bundled() {
        monitor = BundledProgram.MONITOR.path().orElse(null);
        assumeTrue(monitor != null, "this build has no overseer-monitor (no C compiler, or not x86_64/aarch64)");
    }

    /** Runs the monitor with {@code options} over a runtime that runs {@code script} detached; the first process's exit. */
    private int monitor(String script, String... options) throws Exception {
        return monitorOver("(" + script + ") & echo $! > " + dir.resolve("ctr.pid"), options);
    }

    private int monitorOver(String runtime, String... options) throws Exception {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 3>\"$S\"", "sh", monitor,
                "--monitor-pid-file=" + dir.resolve("conmon.pid"), "--pid-file=" + dir.resolve("ctr.pid"),
                "--exit-file=" + dir.resolve("exit"), "--oom-file=" + dir.resolve("oom")));
        argv.addAll(List.of(options));
        argv.addAll(List.of("--", "/bin/sh", "-c", runtime));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("S", dir.resolve("sync").toString());
        Process p = pb.start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        return p.waitFor();
    }

    private String awaitExit() {
        return await().atMost(WAIT).until(() -> Files.exists(dir.resolve("exit")) ? Files.readString(dir.resolve("exit")) : null,
                s -> s != null);
    }

    private List<String> log() throws IOException {
        return Files.readAllLines(dir.resolve("ctr.log")).stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    }

    @Test
    void itReportsThePidKeepsTheOutputAsK8sFileLinesAndWritesTheExitStatus() throws Exception {
        assertThat(monitor("echo one; printf two; sleep 0.2; echo three >&2; exit 7", "--log=" + dir.resolve("ctr.log"))).isZero();

        assertThat(awaitExit()).isEqualTo("7");
        long pid = Long.parseLong(Files.readString(dir.resolve("ctr.pid")).strip());
        assertThat(Files.readString(dir.resolve("sync"))).isEqualTo("{\"data\": " + pid + "}\n");
        assertThat(log()).containsExactly("stdout F one", "stdout P two", "stderr F three");
        assertThat(Files.readAllLines(dir.resolve("ctr.log")).getFirst())
                .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z stdout F one");
        for (String f : List.of("ctr.log", "exit", "conmon.pid")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f)))).as(f).isEqualTo("rw-------");
        }
        assertThat(dir.resolve("oom")).doesNotExist();
        long self = Long.parseLong(Files.readString(dir.resolve("conmon.pid")));
        await().atMost(WAIT).until(() -> ProcessHandle.of(self).isEmpty());
    }

    @Test
    void aDeathBySignalIs128PlusTheSignalAndNoLogIsWrittenWithoutLog() throws Exception {
        assertThat(monitor("echo unseen; sleep 0.1; exec sh -c 'kill -9 $$'")).isZero();

        assertThat(awaitExit()).isEqualTo("137");
        assertThat(dir.resolve("ctr.log")).doesNotExist();
    }

    /** A helper of the runtime that outlives it and never reaps: the process ends its child, then comes to the monitor. */
    @Test
    void aProcessHeldByAHelperOfTheRuntimeComesToTheMonitorWithItsStatus() throws Exception {
        assertThat(monitorOver("sh -c '(sleep 0.1; exit 6) & echo $! > " + dir.resolve("ctr.pid") + "; exec sleep 0.3' & sleep 0.05"))
                .isZero();

        assertThat(awaitExit()).isEqualTo("6");
    }

    /** A process its runtime reaped before it left: its status is nobody's to read, so it is unknown, not made up. */
    @Test
    void aProcessTheRuntimeReapedEndsWithAnUnknownStatus() throws Exception {
        assertThat(monitorOver("(exit 5) & echo $! > " + dir.resolve("ctr.pid") + "; wait")).isZero();

        assertThat(awaitExit()).isEqualTo("-1");
    }

    @Test
    void aRuntimeThatFailsIsReportedWithItsOwnWordsAndNoExit() throws Exception {
        assertThat(monitorOver("echo 'no such \"image\"' >&2; exit 1", "--log=" + dir.resolve("ctr.log"))).isZero();

        String sync = await().atMost(WAIT).until(() -> Files.readString(dir.resolve("sync")), s -> s.endsWith("\n"));
        assertThat(Bundle.JSON.readTree(sync).path("data").asLong()).isEqualTo(-1);
        assertThat(Bundle.JSON.readTree(sync).path("message").asString()).isEqualTo("no such \"image\" ");
        assertThat(dir.resolve("exit")).doesNotExist();
    }

    @Test
    void pastItsSizeTheLogIsReplacedByANewFile() throws Exception {
        Path log = dir.resolve("ctr.log");
        // Lines apart in time, so that each is a read of its own and the checks come between them.
        assertThat(monitor("i=0; while [ $i -lt 40 ]; do echo line-$i; i=$((i+1)); sleep 0.01; done",
                "--log=" + log, "--log-size-max=400")).isZero();

        assertThat(awaitExit()).isEqualTo("0");
        assertThat(Files.size(log)).isLessThanOrEqualTo(400);
        List<String> tail = log();
        assertThat(tail).isNotEmpty().last().isEqualTo("stdout F line-39");
        assertThat(tail.size()).isLessThan(40);
    }

    @Test
    void anOomKillCountedWhileTheProcessRanLeavesTheOomMarker() throws Exception {
        Path counter = dir.resolve("memory.oom_control");
        Files.writeString(counter, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        assertThat(monitor("sleep 0.1; printf 'oom_kill_disable 0\\nunder_oom 0\\noom_kill 3\\n' > " + counter + "; exit 137",
                "--oom-counter=" + counter, "--oom-counter=" + dir.resolve("missing/memory.events"))).isZero();

        assertThat(awaitExit()).isEqualTo("137");
        assertThat(dir.resolve("oom")).exists();
    }

    @Test
    void anUnchangedOomCountLeavesNoMarker() throws Exception {
        Path counter = dir.resolve("memory.events");
        Files.writeString(counter, "low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n");
        assertThat(monitor("sleep 0.1; exit 0", "--oom-counter=" + counter)).isZero();

        assertThat(awaitExit()).isEqualTo("0");
        assertThat(dir.resolve("oom")).doesNotExist();
    }

    @Test
    void anUnknownOptionIsRefusedByName() throws Exception {
        Process p = new ProcessBuilder(monitor, "--bogus").redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(125);
        assertThat(said).isEqualTo("overseer-monitor: unknown option --bogus\n");
    }
}
