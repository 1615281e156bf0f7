package overseer.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.internal.KubeLogFormat;

class LogFilesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    /** With T0 and stdout, a record of this text length makes a k8s-file line of exactly LINE_BYTES bytes. */
    private static final int LINE_BYTES = 300;
    private static final int TEXT_BYTES = LINE_BYTES - "2026-01-01T00:00:00Z stdout F \n".length();

    @TempDir
    Path dir;

    private static LogRecord rec(Instant t, LogStream s, String text, boolean partial) {
        return new LogRecord(t, s, text.getBytes(UTF_8), partial);
    }

    /** A record whose k8s-file line is LINE_BYTES long and starts with "rec-NNN". */
    private static LogRecord numbered(int n) {
        String text = "rec-%03d".formatted(n);
        text = text + "x".repeat(TEXT_BYTES - text.length());
        return rec(T0, LogStream.STDOUT, text, false);
    }

    /** The "rec-NNN" labels of the lines in a file, in order. */
    private static List<String> labels(Path file) throws IOException {
        return Files.readAllLines(file, UTF_8).stream()
                .map(KubeLogFormat::parse)
                .map(r -> r.text().substring(0, 7))
                .toList();
    }

    private static List<String> labels(int from, int toInclusive) {
        return IntStream.rangeClosed(from, toInclusive).mapToObj("rec-%03d"::formatted).toList();
    }

    private static void assertInvalid(ThrowingCallable call, String field) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(OverseerException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining(field);
    }

    private List<Path> filesInDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::getFileName).sorted().toList();
        }
    }

    // ---- RotatingFileSink / KubeLogFormat ----

    @Test
    void sinkWritesK8sFileLinesThatParseBack() throws IOException {
        Path path = dir.resolve("sub/dir/task.log"); // parents are created
        List<LogRecord> written = List.of(
                rec(Instant.parse("2026-11-23T13:40:29.123456789Z"), LogStream.STDOUT, "hello world", false),
                rec(Instant.parse("2026-11-23T13:40:30Z"), LogStream.STDERR, "  spaced  text ", true),
                rec(Instant.parse("2026-11-23T13:40:31.5Z"), LogStream.STDOUT, "", false),
                rec(Instant.parse("2026-11-23T13:40:32.000001Z"), LogStream.STDERR, "ünïcødé ✓", false));
        RotatingFileSink sink = new RotatingFileSink(new LogConfig.FileSink(path, 1 << 20, 3));
        written.forEach(sink::accept);
        sink.close();

        List<String> lines = Files.readAllLines(path, UTF_8);
        assertThat(lines).hasSize(written.size());
        assertThat(lines.getFirst()).isEqualTo("2026-11-23T13:40:29.123456789Z stdout F hello world");
        assertThat(lines.get(1)).isEqualTo("2026-11-23T13:40:30Z stderr P   spaced  text ");
        for (int i = 0; i < lines.size(); i++) {
            LogRecord back = KubeLogFormat.parse(lines.get(i));
            LogRecord orig = written.get(i);
            assertThat(back.time()).isEqualTo(orig.time());
            assertThat(back.stream()).isEqualTo(orig.stream());
            assertThat(back.text()).isEqualTo(orig.text());
            assertThat(back.partial()).isEqualTo(orig.partial());
        }
        assertThat(Files.exists(dir.resolve("sub/dir/task.log.1"))).isFalse();
    }

    @Test
    void formatAndParseRoundTripIncludingTrailingNewline() {
        LogRecord r = rec(Instant.parse("2026-03-04T05:06:07.089Z"), LogStream.STDERR, "a b c", true);
        String line = KubeLogFormat.format(r);
        assertThat(line).isEqualTo("2026-03-04T05:06:07.089Z stderr P a b c\n");
        LogRecord back = KubeLogFormat.parse(line);
        assertThat(back.time()).isEqualTo(r.time());
        assertThat(back.stream()).isEqualTo(LogStream.STDERR);
        assertThat(back.text()).isEqualTo("a b c");
        assertThat(back.partial()).isTrue();
    }

    @Test
    void parseRejectsMalformedLines() {
        assertInvalid(() -> KubeLogFormat.parse("no spaces"), "log line");
        assertInvalid(() -> KubeLogFormat.parse("2026-01-01T00:00:00Z stdout"), "log line");
        assertInvalid(() -> KubeLogFormat.parse("yesterday stdout F x"), "bad timestamp");
        assertInvalid(() -> KubeLogFormat.parse("2026-01-01T00:00:00Z stdin F x"), "unknown stream");
    }

    @Test
    void rotationBySizeKeepsMaxFilesNewestInPath() throws IOException {
        Path path = dir.resolve("app.log");
        RotatingFileSink sink = new RotatingFileSink(new LogConfig.FileSink(path, 1024, 2));
        // 300-byte lines: 3 fit in 1024 bytes, the 4th starts a new file
        for (int i = 0; i < 12; i++) {
            sink.accept(numbered(i));
        }
        sink.close();

        assertThat(labels(path)).isEqualTo(labels(9, 11));
        assertThat(labels(dir.resolve("app.log.1"))).isEqualTo(labels(6, 8));
        assertThat(labels(dir.resolve("app.log.2"))).isEqualTo(labels(3, 5));
        assertThat(filesInDir()).containsExactly(Path.of("app.log"), Path.of("app.log.1"), Path.of("app.log.2"));
        assertThat(Files.size(path)).isEqualTo(3L * LINE_BYTES);
    }

    @Test
    void rotationHappensBeforeTheWriteThatWouldPassMaxBytes() throws IOException {
        Path path = dir.resolve("exact.log");
        // exactly 4 lines fit
        RotatingFileSink sink = new RotatingFileSink(new LogConfig.FileSink(path, 4L * LINE_BYTES, 1));
        for (int i = 0; i < 4; i++) {
            sink.accept(numbered(i));
        }
        assertThat(Files.exists(dir.resolve("exact.log.1"))).isFalse();
        sink.accept(numbered(4));
        sink.close();
        assertThat(labels(dir.resolve("exact.log.1"))).isEqualTo(labels(0, 3));
        assertThat(labels(path)).isEqualTo(labels(4, 4));
    }

    @Test
    void maxFilesZeroTruncates() throws IOException {
        Path path = dir.resolve("trunc.log");
        RotatingFileSink sink = new RotatingFileSink(new LogConfig.FileSink(path, 1024, 0));
        for (int i = 0; i < 7; i++) {
            sink.accept(numbered(i));
        }
        sink.close();
        // files of 3 lines: [0..2], [3..5] truncated away, [6]
        assertThat(labels(path)).isEqualTo(labels(6, 6));
        assertThat(filesInDir()).containsExactly(Path.of("trunc.log"));
    }

    @Test
    void reopeningAppendsAndCountsTheExistingSize() throws IOException {
        Path path = dir.resolve("reopen.log");
        LogConfig.FileSink cfg = new LogConfig.FileSink(path, 1024, 1);
        RotatingFileSink first = new RotatingFileSink(cfg);
        first.accept(numbered(0));
        first.accept(numbered(1));
        first.close();

        RotatingFileSink second = new RotatingFileSink(cfg);
        second.accept(numbered(2)); // 900 bytes: still fits
        assertThat(labels(path)).isEqualTo(labels(0, 2));
        second.accept(numbered(3)); // 1200 > 1024: rotates, knowing the old lines are there
        second.close();
        assertThat(labels(dir.resolve("reopen.log.1"))).isEqualTo(labels(0, 2));
        assertThat(labels(path)).isEqualTo(labels(3, 3));
    }

    @Test
    void badPathIsInvalidArgumentNamingTheField() throws IOException {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        // a regular file where a directory is needed
        assertInvalid(() -> new RotatingFileSink(new LogConfig.FileSink(file.resolve("x.log"), 4096, 1)),
                "logs.file.path");
        // a directory where the log file should be
        Path sub = Files.createDirectory(dir.resolve("a-dir"));
        assertInvalid(() -> new RotatingFileSink(new LogConfig.FileSink(sub, 4096, 1)), "logs.file.path");
    }

    @Test
    void fileSinkConfigIsValidated() {
        Path p = dir.resolve("x.log");
        assertInvalid(() -> new LogConfig.FileSink(p, 1023, 1), "logs.file.maxBytes");
        assertInvalid(() -> new LogConfig.FileSink(p, 0, 1), "logs.file.maxBytes");
        assertInvalid(() -> new LogConfig.FileSink(p, 4096, -1), "logs.file.maxFiles");
        assertInvalid(() -> new LogConfig.FileSink(p, 4096, 1001), "logs.file.maxFiles");
        assertThat(new LogConfig.FileSink(p, 1024, 0).maxBytes()).isEqualTo(1024);
        assertThat(new LogConfig.FileSink(p, 1024, 1000).maxFiles()).isEqualTo(1000);
        assertInvalid(() -> new LogConfig(Framing.LINE, -1, Optional.empty()), "logs.tailRecords");
        assertInvalid(() -> new LogConfig(Framing.LINE, 1_000_001, Optional.empty()), "logs.tailRecords");
    }

    // ---- LogTail ----

    @Test
    void tailKeepsOnlyTheLastNRecordsInOrder() {
        LogTail tail = new LogTail(3);
        assertThat(tail.records()).isEmpty();
        for (int i = 1; i <= 7; i++) {
            tail.accept(rec(T0, LogStream.STDOUT, "line " + i, false));
        }
        assertThat(tail.lines()).containsExactly("line 5", "line 6", "line 7");
        assertThat(tail.records()).hasSize(3);
    }

    @Test
    void tailBelowCapacityKeepsEverything() {
        LogTail tail = new LogTail(5);
        tail.accept(rec(T0, LogStream.STDERR, "a", false));
        tail.accept(rec(T0, LogStream.STDERR, "b", true));
        assertThat(tail.lines()).containsExactly("a", "b");
        assertThat(tail.records()).extracting(LogRecord::partial).containsExactly(false, true);
    }

    @Test
    void tailOfZeroKeepsNothing() {
        LogTail tail = new LogTail(0);
        tail.accept(rec(T0, LogStream.STDOUT, "a", false));
        assertThat(tail.records()).isEmpty();
    }

    @Test
    void tailRecordsIsASnapshot() {
        LogTail tail = new LogTail(2);
        tail.accept(rec(T0, LogStream.STDOUT, "a", false));
        List<LogRecord> snap = tail.records();
        tail.accept(rec(T0, LogStream.STDOUT, "b", false));
        tail.accept(rec(T0, LogStream.STDOUT, "c", false));
        assertThat(snap).extracting(LogRecord::text).containsExactly("a");
        assertThatThrownBy(() -> snap.add(rec(T0, LogStream.STDOUT, "x", false)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void tailThatGrowsAndWrapsKeepsExactlyTheLastRecordsWithTheirBytes() {
        LogTail tail = new LogTail(40); // its ring grows 16 -> 32 -> 40, then wraps
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String text = "r" + i + "-" + "y".repeat(i % 3 == 0 ? 1000 : i % 7); // slots reused, some outgrown
            all.add(text);
            byte[] b = ("##" + text + "##").getBytes(UTF_8);
            tail.accept(T0.plusSeconds(i), i % 2 == 0 ? LogStream.STDOUT : LogStream.STDERR, b, 2, b.length - 4, i % 5 == 0);
            if (i == 20 || i == 35 || i == 299) {
                List<String> want = all.subList(Math.max(0, all.size() - 40), all.size());
                assertThat(tail.lines()).isEqualTo(want);
            }
        }
        List<LogRecord> last = tail.records();
        assertThat(last.getFirst().time()).isEqualTo(T0.plusSeconds(260));
        assertThat(last.getFirst().stream()).isEqualTo(LogStream.STDOUT);
        assertThat(last.getFirst().partial()).isTrue();
        assertThat(last.getLast().stream()).isEqualTo(LogStream.STDERR);
    }

    @Test
    void everyFileTheSinkCreatesIsPrivateFromTheStart() throws IOException {
        Path path = dir.resolve("private.log");
        RotatingFileSink sink = new RotatingFileSink(new LogConfig.FileSink(path, 1024, 2));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
        for (int i = 0; i < 12; i++) {
            sink.accept(numbered(i));
        }
        sink.close();
        for (Path p : List.of(path, dir.resolve("private.log.1"), dir.resolve("private.log.2"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as(p.toString()).isEqualTo("rw-------");
        }
    }

    @Test
    void fileKeepsTheOutputExactlyWhileRecordsDropTheCarriageReturn() throws IOException {
        Path path = dir.resolve("exact.log");
        ProcessOutput out = new ProcessOutput(piped(new LogConfig(Framing.LINE, 10,
                Optional.of(new LogConfig.FileSink(path, 1 << 20, 1)))));
        byte[] output = {'d', 'o', 's', '\r', '\n', (byte) 0xff, (byte) 0xfe, '\n', 'e', 'n', 'd'};
        out.feed(LogStream.STDOUT, output, 0, 4); // the '\r' in one read, its '\n' in the next
        out.feed(LogStream.STDOUT, output, 4, output.length - 4);
        out.closed(LogStream.STDOUT);
        out.closed(LogStream.STDERR);

        assertThat(out.tail(LogStream.STDOUT).lines().getFirst()).isEqualTo("dos");
        byte[] file = Files.readAllBytes(path);
        java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
        for (int start = 0, i = 0; i < file.length; i++) {
            if (file[i] == '\n') {
                int at = start;
                for (int spaces = 0; spaces < 3; at++) {
                    spaces += file[at] == ' ' ? 1 : 0;
                }
                back.write(file, at, i - at);
                if (file[at - 2] == 'F') {
                    back.write('\n');
                }
                start = i + 1;
            }
        }
        assertThat(back.toByteArray()).isEqualTo(output); // binary and CRLF as they were
    }

    // ---- ProcessOutput ----

    /** A sink that records what it got and whether it was closed. */
    private static final class Recording implements LogSink {
        final List<String> got = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public void accept(LogRecord r) {
            got.add(r.stream().word() + ":" + r.text() + (r.partial() ? "/P" : ""));
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    private static void feed(ProcessOutput out, LogStream s, String text) {
        byte[] b = text.getBytes(UTF_8);
        out.feed(s, b, 0, b.length);
    }

    private static ProcessSpec piped(LogConfig logs) {
        return ProcessSpec.builder("/bin/sh", "-c", "true").captureOutput().logs(logs).build();
    }

    @Test
    void processOutputFillsTailsCallsSinksAndDrainsAfterBothStreamsClose() {
        ProcessOutput out = new ProcessOutput(piped(new LogConfig(Framing.LINE, 2, Optional.empty())));
        assertThat(out.streams()).containsExactlyInAnyOrder(LogStream.STDOUT, LogStream.STDERR);
        Recording sink = new Recording();
        out.addSink(sink);

        feed(out, LogStream.STDOUT, "a\nb\nc\nd");
        feed(out, LogStream.STDERR, "oops\n");
        assertThat(out.tail(LogStream.STDOUT).lines()).containsExactly("b", "c");
        assertThat(out.tail(LogStream.STDERR).lines()).containsExactly("oops");
        assertThat(sink.got).containsExactly("stdout:a", "stdout:b", "stdout:c", "stderr:oops");
        assertThat(out.drained()).isNotDone();

        out.closed(LogStream.STDOUT);
        assertThat(out.tail(LogStream.STDOUT).lines()).containsExactly("c", "d");
        assertThat(out.tail(LogStream.STDOUT).records().getLast().partial()).isTrue();
        assertThat(sink.got).endsWith("stdout:d/P");
        assertThat(out.drained()).isNotDone();
        assertThat(sink.closes).hasValue(0);

        feed(out, LogStream.STDERR, "bye");
        out.closed(LogStream.STDERR);
        assertThat(out.drained()).isCompleted();
        assertThat(sink.closes).hasValue(1);
        assertThat(out.tail(LogStream.STDERR).lines()).containsExactly("oops", "bye");
        assertThat(sink.got).containsExactly(
                "stdout:a", "stdout:b", "stdout:c", "stderr:oops", "stdout:d/P", "stderr:bye/P");
    }

    @Test
    void drainedWaitsOnlyForPipedStreams() {
        ProcessSpec onlyStdout = ProcessSpec.builder("/bin/true").stdout(Redirect.PIPE).stderr(Redirect.STDOUT).build();
        ProcessOutput out = new ProcessOutput(onlyStdout);
        assertThat(out.streams()).containsExactly(LogStream.STDOUT);
        assertThat(out.drained()).isNotDone();
        feed(out, LogStream.STDOUT, "x\n");
        out.closed(LogStream.STDOUT);
        assertThat(out.drained()).isCompleted();
        assertThat(out.tail(LogStream.STDOUT).lines()).containsExactly("x");
        assertThat(out.tail(LogStream.STDERR).lines()).isEmpty();

        ProcessOutput none = new ProcessOutput(ProcessSpec.of("/bin/true"));
        assertThat(none.streams()).isEmpty();
        assertThat(none.drained()).isCompleted();
    }

    @Test
    void throwingSinkIsRemovedAndOthersKeepGettingRecords() {
        ProcessOutput out = new ProcessOutput(piped(LogConfig.DEFAULT));
        Recording before = new Recording();
        AtomicInteger badCalls = new AtomicInteger();
        Recording after = new Recording();
        out.addSink(before);
        out.addSink(r -> {
            badCalls.incrementAndGet();
            throw new IllegalStateException("sink broke");
        });
        out.addSink(after);

        feed(out, LogStream.STDOUT, "one\ntwo\n");
        feed(out, LogStream.STDERR, "three\n");
        out.closed(LogStream.STDOUT);
        out.closed(LogStream.STDERR);

        assertThat(badCalls).hasValue(1);
        assertThat(before.got).containsExactly("stdout:one", "stdout:two", "stderr:three");
        assertThat(after.got).containsExactly("stdout:one", "stdout:two", "stderr:three");
        assertThat(out.tail(LogStream.STDOUT).lines()).containsExactly("one", "two");
        assertThat(out.drained()).isCompleted();
        assertThat(before.closes).hasValue(1);
        assertThat(after.closes).hasValue(1);
    }

    @Test
    void configuredFileSinkReceivesBothStreams() throws IOException {
        Path path = dir.resolve("logs/out.log");
        LogConfig logs = new LogConfig(Framing.MESSAGE, 10, Optional.of(new LogConfig.FileSink(path, 1 << 20, 1)));
        ProcessOutput out = new ProcessOutput(piped(logs));
        byte[] m1 = {0, 0, 0, 2, 'h', 'i'};
        byte[] m2 = {0, 0, 0, 3, 'e', 'r', 'r'};
        out.feed(LogStream.STDOUT, m1, 0, m1.length);
        out.feed(LogStream.STDERR, m2, 0, m2.length);
        out.closed(LogStream.STDOUT);
        out.closed(LogStream.STDERR);
        assertThat(out.drained()).isCompleted();

        List<LogRecord> lines = Files.readAllLines(path, UTF_8).stream().map(KubeLogFormat::parse).toList();
        assertThat(lines).extracting(LogRecord::stream).containsExactly(LogStream.STDOUT, LogStream.STDERR);
        assertThat(lines).extracting(LogRecord::text).containsExactly("hi", "err");
        assertThat(lines).extracting(LogRecord::partial).containsExactly(false, false);
        assertThat(out.tail(LogStream.STDERR).lines()).containsExactly("err");
    }
}
