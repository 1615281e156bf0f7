package overseer.oci;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import overseer.core.Exit;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An isolated task's output flood with real conmon and crun/runc: conmon's own log stays within
 * {@link Monitor.LOG_SIZE_MAX} (it is replaced, not grown: before, it kept a second copy of everything),
 * read back it is exactly the tail of the output, and Overseer's copy, read as conmon goes, is whole lines in
 * order from the first to the last; both are 0600.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(LeavesNothing.class)
class OciLogBoundIT {
    private static final String NS = "flood";
    private OciRuntime runtime;
    private Tasks tasks;
    private Path state;
    private Path out;

    @BeforeEach
    void open() throws Exception {
        OciTesting.assumeUsable();
        state = OciTesting.stateDir();
        runtime = OciTesting.builder().stateDir(state).build();
        tasks = new Tasks(runtime);
        out = Files.createTempFile("oci-flood", ".out");
        Files.delete(out); // Overseer creates it
    }

    @AfterEach
    void close() throws Exception {
        if (tasks != null) {
            tasks.close();
        }
        if (out != null) {
            Files.deleteIfExists(out);
        }
    }

    /** seq 1 N: known output, several times the cap. */
    private static byte[] expected(int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 1; i <= n; i++) {
            b.writeBytes((i + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    /** What a k8s-file log stands for: each F line's payload and '\n', each P line's payload. */
    private static byte[] decode(byte[] log) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(log.length);
        int start = 0;
        for (int i = 0; i < log.length; i++) {
            if (log[i] == '\n') {
                int at = start;
                for (int spaces = 0; spaces < 3; at++) {
                    spaces += log[at] == ' ' ? 1 : 0;
                }
                b.write(log, at, i - at);
                if (log[at - 2] == 'F') {
                    b.write('\n');
                }
                start = i + 1;
            }
        }
        return b.toByteArray();
    }

    @Test
    void conmonsLogStaysUnderItsCapWhileOverseersCopyGetsTheWholeFlood() throws Exception {
        int n = 7_000_000; // 54 MB: more than three times the cap
        Task t = tasks.create(NS, TaskSpec.of("seq", ProcessSpec.builder("/usr/bin/seq", "1", Integer.toString(n))
                .env("PATH", "/usr/bin:/bin").stdout(Redirect.file(out)).build()));
        Path ctrLog = state.resolve("tasks").resolve(NS).resolve("seq").resolve("ctr.log");
        AtomicLong largest = new AtomicLong();
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    largest.accumulateAndGet(Files.size(ctrLog), Math::max);
                    Thread.sleep(5); // a sampling interval, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                } catch (java.io.IOException notYetOrReplaced) {
                    // conmon renames a new file over it
                }
            }
        });
        t.start();
        Exit exit = t.await(Duration.ofSeconds(90)).orElseThrow(() -> new AssertionError("seq did not exit"));
        t.output().drained().get(30, TimeUnit.SECONDS);
        sampler.interrupt();
        sampler.join();

        assertThat(exit.exitCode()).isZero();
        assertThat(largest.get()).as("ctr.log at its largest").isPositive()
                .isLessThanOrEqualTo(Monitor.LOG_SIZE_MAX + 64 * 1024);
        assertThat(Files.size(ctrLog)).isLessThanOrEqualTo(Monitor.LOG_SIZE_MAX + 64 * 1024);
        // conmon's log, read back, is exactly the tail of the output, from a line on
        byte[] want = expected(n);
        byte[] tail = decode(Files.readAllBytes(ctrLog));
        assertThat(tail.length).isPositive();
        assertThat(java.util.Arrays.copyOfRange(want, want.length - tail.length, want.length)).isEqualTo(tail);
        assertThat(want[want.length - tail.length - 1]).isEqualTo((byte) '\n');
        // Overseer's copy: whole lines in order, from the first to the last; a flood faster than it reads
        // may have lost whole files conmon replaced before they were read, never part of a line
        String[] lines = Files.readString(out, StandardCharsets.US_ASCII).split("\n");
        assertThat(lines[0]).isEqualTo("1");
        assertThat(lines[lines.length - 1]).isEqualTo(Integer.toString(n));
        for (int i = 1; i < lines.length; i++) {
            if (Long.parseLong(lines[i]) <= Long.parseLong(lines[i - 1])) {
                throw new AssertionError("line " + i + " of the copy: " + lines[i] + " after " + lines[i - 1]);
            }
        }
        System.out.printf("OciLogBoundIT: Overseer's copy has %d of %d lines%n", lines.length, n);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ctrLog))).as("conmon's log")
                .isEqualTo("rw-------");
    }
}
