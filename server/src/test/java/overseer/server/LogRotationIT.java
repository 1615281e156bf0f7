package overseer.server;

import overseer.wire.LogLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.OverseerException;
import overseer.linux.LogFiles;
import overseer.linux.NativeRuntime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A daemon task's log past its limit: rotated while the task writes it itself, no byte lost that is not
 * rotated out, the kept files (and what {@code logs} serves) the exact tail of the output, all 0600.
 */
class LogRotationIT {
    private static final int LINES = 200_000;
    @TempDir
    Path dir;
    private Daemon daemon;
    private OverseerClient client;

    @BeforeEach
    void start() throws Exception {
        Path probe = Files.write(dir.resolve("probe"), new byte[3 * (int) LogFiles.BLOCK]);
        assumeThat(LogFiles.collapseHead(probe, LogFiles.BLOCK))
                .as("the temporary directory's file system cannot cut a file's head (fallocate COLLAPSE_RANGE)").isTrue();
        Files.delete(probe);
        daemon = new Daemon(new NativeRuntime(), dir.resolve("overseer.sock"), dir.resolve("state"), true);
        client = new OverseerClient(daemon.socket());
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static byte[] expected() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 1; i <= LINES; i++) {
            b.writeBytes((i + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    @Test
    void aLogPastItsLimitIsRotatedAndTheKeptFilesAreTheExactTailOfTheOutput() throws Exception {
        LogLimits limits = new LogLimits(64 * 1024, 3);
        daemon.logLimits(limits);
        // 1.3 MB in 40 pieces over a few seconds: several sweeps see the file past its limit
        String script = "i=0; while [ $i -lt 40 ]; do seq $((i*5000+1)) $((i*5000+5000)); i=$((i+1)); sleep 0.05; done";
        client.createTask("default", overseer.wire.Json.MAPPER.readTree(
                "{\"id\": \"chatty\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"" + script + "\"],"
                        + " \"env\": {\"PATH\": \"/usr/bin:/bin\"}}}"));
        client.start("default", "chatty");
        assertThat(client.await("default", "chatty", Duration.ofSeconds(60)).exitCode()).isZero();
        Path out = dir.resolve("state/logs/default/chatty.out");
        // the last sweep after the exit: then nothing changes any more
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(out) <= limits.maxBytes());

        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        for (Path p : List.of(LogRotation.numbered(out, 2), LogRotation.numbered(out, 1), out)) {
            assertThat(p).as("kept file").exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rw-------");
            kept.writeBytes(Files.readAllBytes(p));
        }
        assertThat(LogRotation.numbered(out, 3)).as("beyond maxFiles").doesNotExist();
        byte[] want = expected();
        byte[] tail = kept.toByteArray();
        assertThat(tail.length).as("something was rotated out").isLessThan(want.length);
        assertThat(Arrays.copyOfRange(want, want.length - tail.length, want.length)).as("the kept files, oldest first")
                .isEqualTo(tail);

        ByteArrayOutputStream served = new ByteArrayOutputStream();
        client.logs("default", "chatty", "stdout", false, served);
        assertThat(served.toByteArray()).as("what logs serves").isEqualTo(tail);
    }

    @Test
    void aFollowerReadsOnThroughRotationsWithoutAGapOrARepeat() throws Exception {
        daemon.logLimits(new LogLimits(64 * 1024, 3));
        String script = "i=0; while [ $i -lt 40 ]; do seq $((i*5000+1)) $((i*5000+5000)); i=$((i+1)); sleep 0.05; done";
        client.createTask("default", overseer.wire.Json.MAPPER.readTree(
                "{\"id\": \"followed\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"" + script + "\"],"
                        + " \"env\": {\"PATH\": \"/usr/bin:/bin\"}}}"));
        client.start("default", "followed");
        Path out = dir.resolve("state/logs/default/followed.out");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(out));
        ByteArrayOutputStream followed = new ByteArrayOutputStream();
        client.logs("default", "followed", "stdout", true, followed); // returns once the task has ended
        assertThat(LogRotation.numbered(out, 1)).as("rotated while followed").exists();
        byte[] want = expected();
        byte[] got = followed.toByteArray();
        assertThat(got.length).isPositive();
        assertThat(Arrays.copyOfRange(want, want.length - got.length, want.length)).as("a gapless tail").isEqualTo(got);
    }

    @Test
    void aTasksOwnLimitsComeFromItsSpec() throws Exception {
        // the daemon's default (64 MiB) would never rotate this; the task's own limit does
        String script = "i=0; while [ $i -lt 40 ]; do seq $((i*5000+1)) $((i*5000+5000)); i=$((i+1)); sleep 0.05; done";
        client.createTask("default", overseer.wire.Json.MAPPER.readTree(
                "{\"id\": \"own\", \"logs\": {\"maxBytes\": 65536, \"maxFiles\": 2}, \"process\": {\"args\": [\"/bin/sh\", \"-c\", \""
                        + script + "\"], \"env\": {\"PATH\": \"/usr/bin:/bin\"}}}"));
        assertThat(client.task("default", "own").toString()).contains("\"maxBytes\":65536");
        client.start("default", "own");
        assertThat(client.await("default", "own", Duration.ofSeconds(60)).exitCode()).isZero();
        Path out = dir.resolve("state/logs/default/own.out");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(out) <= 65536);
        assertThat(LogRotation.numbered(out, 1)).exists();
        assertThat(LogRotation.numbered(out, 2)).as("maxFiles 2: the current file and one more").doesNotExist();
        byte[] want = expected();
        byte[] tail = concat(Files.readAllBytes(LogRotation.numbered(out, 1)), Files.readAllBytes(out));
        assertThat(Arrays.copyOfRange(want, want.length - tail.length, want.length)).isEqualTo(tail);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void limitsAreValidatedNamingTheField() {
        assertThatThrownBy(() -> new LogLimits(1000, 3)).isInstanceOf(OverseerException.class).hasMessageContaining("logs.maxBytes");
        assertThatThrownBy(() -> new LogLimits(1 << 20, 0)).isInstanceOf(OverseerException.class).hasMessageContaining("logs.maxFiles");
        assertThatThrownBy(() -> client.createTask("default", overseer.wire.Json.MAPPER.readTree(
                "{\"id\": \"bad\", \"logs\": {\"maxBytes\": 10}, \"process\": {\"args\": [\"/bin/true\"]}}")))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(overseer.core.ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("logs.maxBytes");
        assertThatThrownBy(() -> client.createTask("default", overseer.wire.Json.MAPPER.readTree(
                "{\"id\": \"bad\", \"logs\": {\"maxSize\": 10}, \"process\": {\"args\": [\"/bin/true\"]}}")))
                .isInstanceOf(OverseerException.class).hasMessageContaining("logs.maxSize");
    }
}
