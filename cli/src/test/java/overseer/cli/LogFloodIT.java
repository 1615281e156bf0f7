package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code overseer run --log-file} under a flood, as a user runs it (a real JVM): the file reads back as the
 * command's output byte for byte, what Overseer prints is the output byte for byte, and every log file is
 * 0600. The output is binary: any byte, '\r' before '\n', lines longer than a record, no final newline.
 */
class LogFloodIT {
    private static final AtomicInteger IDS = new AtomicInteger();
    private Tasks tasks;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close();
    }

    /** The CLI in a JVM of its own, its stdout into {@code stdout}. */
    private Task overseer(Path stdout, String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("flood-" + IDS.incrementAndGet(),
                ProcessSpec.builder(cmd).stdout(Redirect.file(stdout)).stderr(Redirect.PIPE).build()));
    }

    /** {@code bytes} of output as nasty as output gets. */
    private static byte[] flood(int bytes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes);
        while (out.size() < bytes) {
            switch (r.nextInt(6)) {
                case 0 -> { // binary, any byte
                    byte[] b = new byte[r.nextInt(1, 2000)];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) r.nextInt(256);
                    }
                    out.writeBytes(b);
                }
                case 1 -> out.writeBytes("a dos line\r\n".getBytes());
                case 2 -> { // longer than a record: cut into partial records
                    byte[] b = new byte[r.nextInt(64 * 1024, 200 * 1024)];
                    Arrays.fill(b, (byte) 'x');
                    out.writeBytes(b);
                    out.write('\n');
                }
                case 3 -> out.writeBytes("\n\n\r\r\n".getBytes());
                default -> out.writeBytes(("text line " + r.nextInt() + " ünïcødé\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        out.writeBytes("no final newline".getBytes());
        return out.toByteArray();
    }

    /** What a k8s-file log stands for: each F line's payload and '\n', each P line's payload. */
    static byte[] decode(byte[] log) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(log.length);
        int start = 0;
        for (int i = 0; i < log.length; i++) {
            if (log[i] != '\n') {
                continue;
            }
            int at = start;
            for (int spaces = 0; spaces < 3; at++) {
                if (log[at] == ' ') {
                    spaces++;
                }
            }
            out.write(log, at, i - at);
            if (log[at - 2] == 'F') {
                out.write('\n');
            }
            start = i + 1;
        }
        assertThat(start).as("the log ends with a whole line").isEqualTo(log.length);
        return out.toByteArray();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void a64MiBFloodReadsBackExactlyFromTheLogFileAndFromStdout() throws Exception {
        byte[] input = flood(64 << 20, 7);
        Path in = Files.write(dir.resolve("input"), input);
        Path log = dir.resolve("run.log");
        Path stdout = dir.resolve("stdout");
        Task t = overseer(stdout, "run", "--log-file", log.toString(), "--log-max-bytes", "1000000000", "--", "cat", in.toString());
        assertThat(t.await().exitCode()).as("%s", t.output().tail(LogStream.STDERR).lines()).isZero();

        assertThat(Files.mismatch(stdout, in)).as("what overseer run printed").isEqualTo(-1);
        assertThat(decode(Files.readAllBytes(log))).as("the log file, read back").isEqualTo(input);
        assertThat(mode(log)).isEqualTo("rw-------");
    }

    @Test
    void rotatedFilesAreTheTailOfTheOutputOnAFileBoundaryAndPrivate() throws Exception {
        byte[] input = flood(4 << 20, 11);
        Path in = Files.write(dir.resolve("input"), input);
        Path log = dir.resolve("rot.log");
        Task t = overseer(dir.resolve("stdout"), "run", "--log-file", log.toString(), "--log-max-bytes", "1048576",
                "--log-max-files", "2", "--", "cat", in.toString());
        assertThat(t.await().exitCode()).as("%s", t.output().tail(LogStream.STDERR).lines()).isZero();

        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        for (Path p : List.of(dir.resolve("rot.log.2"), dir.resolve("rot.log.1"), log)) {
            assertThat(mode(p)).as(p.toString()).isEqualTo("rw-------");
            assertThat(Files.size(p)).as(p.toString()).isLessThanOrEqualTo(1048576);
            kept.writeBytes(decode(Files.readAllBytes(p)));
        }
        assertThat(Files.exists(dir.resolve("rot.log.3"))).isFalse();
        byte[] tail = kept.toByteArray();
        assertThat(tail.length).isGreaterThan(2 << 20).isLessThan(input.length);
        assertThat(Arrays.copyOfRange(input, input.length - tail.length, input.length)).isEqualTo(tail);
    }
}
