package overseer.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes records as k8s-file lines and rotates by size: before a write would take the file past
 * {@code maxBytes}, path.(n-1) becomes path.n, ..., path becomes path.1, and a new path is started; the
 * oldest beyond {@code maxFiles} is deleted. With maxFiles 0 the file is simply truncated.
 *
 * <p>The payload is written as bytes, never through a String, so the file keeps any output exactly: read
 * back, an F line stands for its payload and a '\n' (its '\r' is kept in the payload, though records
 * leave it out), a P line for its payload alone. Lines are gathered in a 256 KiB buffer and written once per read of the process's output
 * ({@link #endOfRead()}), not once per line. Every file it creates is 0600 from the moment it exists.
 */
public final class RotatingFileSink implements LogSink {
    private static final int BUFFER = 256 * 1024;
    /** The longest prefix: an RFC 3339 time with nanoseconds, " stderr P ". */
    private static final int MAX_PREFIX = 64;

    private final LogConfig.FileSink config;
    /** A heap array: a line's few dozen bytes go in by arraycopy, cheaper than a ByteBuffer's checked put. */
    private final byte[] buffer = new byte[BUFFER];
    private int fill;
    private FileChannel out;
    /** The file's size, with what is still in the buffer. */
    private long size;
    private static final byte[] STDOUT = LogStream.STDOUT.word().getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STDERR = LogStream.STDERR.word().getBytes(StandardCharsets.US_ASCII);
    /** The prefix "TIME STREAM T " of the last time formatted, per stream and tag: a read's lines share it. */
    private Instant prefixTime;
    private final byte[][] prefixes = new byte[4][MAX_PREFIX];
    /** 0: not made yet for prefixTime. */
    private final int[] prefixLengths = new int[4];
    private long second = Long.MIN_VALUE;
    private byte[] secondText;

    public RotatingFileSink(LogConfig.FileSink config) {
        this.config = config;
        try {
            Path parent = config.path().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            open(StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw OverseerException.invalidField("logs.file.path", "cannot open \"%s\": %s", config.path(), e.getMessage());
        }
    }

    /** One record, written at once. */
    @Override
    public synchronized void accept(LogRecord record) {
        line(record.time(), record.stream(), record.payload(), 0, record.payload().length, record.partial(), false);
        endOfRead();
    }

    /** One record from a slice; written out at the next {@link #endOfRead()}. */
    @Override
    public synchronized void accept(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial) {
        line(time, stream, buf, off, len, partial, false);
    }

    /** As {@link #accept(Instant, LogStream, byte[], int, int, boolean)}; with {@code cr}, buf[off + len] is the '\r' the line had. */
    synchronized void line(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial, boolean cr) {
        byte[] prefix = prefix(time, stream, partial);
        int prefixLength = prefixLengths[stream.ordinal() * 2 + (partial ? 1 : 0)];
        int payload = cr ? len + 1 : len;
        long line = prefixLength + payload + 1L;
        try {
            if (size > 0 && size + line > config.maxBytes()) {
                rotate();
            }
            put(prefix, 0, prefixLength);
            put(buf, off, payload);
            if (fill == BUFFER) {
                drain();
            }
            buffer[fill++] = '\n'; // every line ends so; the tag says whether the output had it
            size += line;
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + config.path(), e);
        }
    }

    /** What was gathered goes to the file: called after each read of the output, so the file keeps up with it. */
    synchronized void endOfRead() {
        try {
            drain();
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + config.path(), e);
        }
    }

    private void put(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (fill == BUFFER) {
                drain();
            }
            int n = Math.min(len, BUFFER - fill);
            System.arraycopy(b, off, buffer, fill, n);
            fill += n;
            off += n;
            len -= n;
        }
    }

    private void drain() throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer, 0, fill);
        while (b.hasRemaining()) {
            out.write(b);
        }
        fill = 0;
    }

    /**
     * "TIME STREAM TAG " for this record, formatted as {@link DateTimeFormatter#ISO_INSTANT} does (0, 3, 6 or
     * 9 fraction digits) into reused arrays: made once per read, and its date and time of day once per
     * second, so a flood of small reads does not make garbage for its timestamps.
     */
    private byte[] prefix(Instant time, LogStream stream, boolean partial) {
        int i = stream.ordinal() * 2 + (partial ? 1 : 0);
        if (!time.equals(prefixTime)) {
            prefixTime = time;
            java.util.Arrays.fill(prefixLengths, 0);
            if (time.getEpochSecond() != second) {
                second = time.getEpochSecond();
                secondText = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(second))
                        .getBytes(StandardCharsets.US_ASCII); // ...:ssZ
            }
        }
        byte[] p = prefixes[i];
        if (prefixLengths[i] == 0) {
            int n = secondText.length - 1; // without the Z
            System.arraycopy(secondText, 0, p, 0, n);
            int nano = time.getNano();
            int digits = nano == 0 ? 0 : nano % 1_000_000 == 0 ? 3 : nano % 1000 == 0 ? 6 : 9;
            if (digits > 0) {
                p[n++] = '.';
                int v = nano / (digits == 3 ? 1_000_000 : digits == 6 ? 1000 : 1);
                for (int d = digits - 1; d >= 0; d--) {
                    p[n + d] = (byte) ('0' + v % 10);
                    v /= 10;
                }
                n += digits;
            }
            p[n++] = 'Z';
            p[n++] = ' ';
            byte[] word = stream == LogStream.STDOUT ? STDOUT : STDERR;
            System.arraycopy(word, 0, p, n, word.length);
            n += word.length;
            p[n++] = ' ';
            p[n++] = (byte) (partial ? 'P' : 'F');
            p[n++] = ' ';
            prefixLengths[i] = n;
        }
        return p;
    }

    private void rotate() throws IOException {
        drain();
        out.close();
        Path path = config.path();
        int keep = config.maxFiles();
        if (keep > 0) {
            Files.deleteIfExists(numbered(keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) {
                    Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open(StandardOpenOption.TRUNCATE_EXISTING);
    }

    private Path numbered(int n) {
        return config.path().resolveSibling(config.path().getFileName() + "." + n);
    }

    private void open(StandardOpenOption mode) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
        out = FileChannel.open(config.path(), options, PRIVATE);
        size = out.size();
    }

    /** rw-------, given to open(2) itself: no moment in which the file is readable by others. */
    static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    @Override
    public synchronized void close() {
        try (FileChannel c = out) {
            drain();
        } catch (IOException e) {
            throw new UncheckedIOException("closing " + config.path(), e);
        }
    }
}
