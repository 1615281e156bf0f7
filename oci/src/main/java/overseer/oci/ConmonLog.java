package overseer.oci;

import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.Map;

/**
 * Reads the k8s-file log conmon writes ({@code <time> <stdout|stderr> <F|P> <bytes>}, see
 * {@link overseer.core.internal.KubeLogFormat}) as it grows, and sends each stream's bytes where the spec wants them:
 * PIPE into the {@link ProcessOutput} (which frames them again by the spec's LogConfig), a file, Overseer's
 * own stdout or stderr, or nowhere. An F line is its payload plus the newline conmon cut at; a P line is its
 * payload alone, so the bytes come out exactly as the process wrote them.
 *
 * <p>The lines are parsed as bytes, not through {@code KubeLogFormat.parse(String)}: a process's output need
 * not be UTF-8 (message framing carries binary lengths), and a String round trip would change such bytes.
 */
final class ConmonLog {
    private final Path file;
    private final ProcessOutput output;
    private final Map<LogStream, Sink> sinks = new EnumMap<>(LogStream.class);
    private final ByteArrayOutputStream carry = new ByteArrayOutputStream();
    private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    private FileChannel channel;
    /** The identity (device, inode) of the log file {@code channel} reads: conmon replaces it when it rotates. */
    private Object channelKey;
    private final ProcessSpec spec;
    /** The output files' sizes as this log file began, for the marks; the marks' log identity, if they had one. */
    private Map<LogStream, Long> startSizes;
    private String marksKey;
    private boolean finished;
    /** Bytes of the log an earlier Overseer copied to each output file already, left to skip. */
    private final Map<Sink, Long> copied = new java.util.HashMap<>();

    /** Where one stream's bytes go. */
    private interface Sink {
        void write(LogStream stream, byte[] b, int off, int len) throws IOException;

        default void flush() throws IOException {
        }

        default void close() throws IOException {
        }
    }

    /**
     * A sink's lines gathered and passed on once per read of the log: conmon cuts the output into lines, and
     * a write (or a feed) per line was most of the cost of copying a flood.
     */
    private static final class Batched implements Sink {
        private final Sink to;
        private LogStream stream = LogStream.STDOUT;
        private final byte[] buf = new byte[128 * 1024];
        private int fill;

        Batched(Sink to) {
            this.to = to;
        }

        @Override
        public void write(LogStream s, byte[] b, int off, int len) throws IOException {
            if (s != stream || fill + len > buf.length) {
                flush();
                stream = s;
            }
            if (len > buf.length) {
                to.write(s, b, off, len);
                return;
            }
            System.arraycopy(b, off, buf, fill, len);
            fill += len;
        }

        @Override
        public void flush() throws IOException {
            if (fill > 0) {
                to.write(stream, buf, 0, fill);
                fill = 0;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                flush();
            } finally {
                to.close();
            }
        }
    }

    /**
     * Opens the destinations (output files are truncated or appended to now, as a spawn would). The size of
     * each output file as this process begins is written beside the log ({@code <log>.marks}); a {@code resumed}
     * reader (after an Overseer restart) reads the log from its start again but skips, per file, the bytes
     * the file has gained since, so no line is lost or doubled however often Overseer restarts.
     */
    ConmonLog(Path file, ProcessSpec spec, ProcessOutput output, boolean resumed) {
        this.file = file;
        this.output = output;
        this.spec = spec;
        Map<LogStream, Long> starts = resumed ? readMarks(marks(file)) : sizes(spec);
        startSizes = starts;
        Sink out = sink(LogStream.STDOUT, resumed ? asAppend(spec.stdout()) : spec.stdout(), null);
        sinks.put(LogStream.STDOUT, out);
        sinks.put(LogStream.STDERR, spec.stderr() == Redirect.STDOUT ? out
                : sink(LogStream.STDERR, resumed ? asAppend(spec.stderr()) : spec.stderr(), out));
        if (resumed) {
            skipCopied(spec, starts);
        } else {
            writeMarks(marks(file), starts, null);
        }
    }

    private static Path marks(Path log) {
        return log.resolveSibling(log.getFileName() + ".marks");
    }

    /** A resumed reader appends to what the first one truncated. */
    private static Redirect asAppend(Redirect r) {
        return r instanceof Redirect.File f ? new Redirect.File(f.path(), true) : r;
    }

    /** The size of each output file now (0 for one that does not exist or is not a file). */
    private static Map<LogStream, Long> sizes(ProcessSpec spec) {
        Map<LogStream, Long> m = new EnumMap<>(LogStream.class);
        m.put(LogStream.STDOUT, size(spec.stdout()));
        m.put(LogStream.STDERR, size(spec.stderr()));
        return m;
    }

    private static long size(Redirect r) {
        try {
            return r instanceof Redirect.File f && java.nio.file.Files.exists(f.path()) ? java.nio.file.Files.size(f.path()) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private void skipCopied(ProcessSpec spec, Map<LogStream, Long> starts) {
        Map<LogStream, Long> now = sizes(spec);
        for (LogStream s : LogStream.values()) {
            Redirect r = s == LogStream.STDOUT ? spec.stdout() : spec.stderr();
            if (r instanceof Redirect.File && starts.containsKey(s)) {
                copied.merge(sinks.get(s), Math.max(0, now.get(s) - starts.get(s)), Math::max);
            }
        }
    }

    /**
     * {@code log}: the identity of the log file the sizes are the start of; conmon replaces the file when it
     * reaches {@link Monitor#LOG_SIZE_MAX}, and a resumed reader that finds another file there knows that what
     * it would skip was in the one replaced.
     */
    private static void writeMarks(Path marks, Map<LogStream, Long> sizes, Object log) {
        try {
            java.nio.file.Files.writeString(marks, "stdout " + sizes.get(LogStream.STDOUT) + "\nstderr " + sizes.get(LogStream.STDERR) + "\n"
                    + (log == null ? "" : "log " + log.toString().replace(' ', '_') + "\n"));
        } catch (IOException e) {
            throw OverseerException.internal("writing " + marks, e);
        }
    }

    private Map<LogStream, Long> readMarks(Path marks) {
        Map<LogStream, Long> m = new EnumMap<>(LogStream.class);
        try {
            for (String l : java.nio.file.Files.readAllLines(marks)) {
                String[] kv = l.strip().split(" ");
                if (kv.length == 2 && kv[0].equals("log")) {
                    marksKey = kv[1];
                } else if (kv.length == 2) {
                    m.put(kv[0].equals("stderr") ? LogStream.STDERR : LogStream.STDOUT, Long.parseLong(kv[1]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // written by an Overseer before the marks: nothing is known to be copied
        }
        return m;
    }

    /** Whether the spec wants any output at all: else conmon need not write a log. */
    static boolean wanted(ProcessSpec spec) {
        return spec.stdout() != Redirect.NULL || (spec.stderr() != Redirect.NULL && spec.stderr() != Redirect.STDOUT);
    }

    private Sink sink(LogStream stream, Redirect r, Sink stdout) {
        return r instanceof Redirect.ToStdout ? stdout : new Batched(unbatched(stream, r));
    }

    private Sink unbatched(LogStream stream, Redirect r) {
        return switch (r) {
            case Redirect.Pipe p -> (s, b, off, len) -> output.feed(stream, b, off, len);
            case Redirect.Null n -> (s, b, off, len) -> {
            };
            case Redirect.Inherit i -> {
                OutputStream os = stream == LogStream.STDOUT ? System.out : System.err;
                yield (s, b, off, len) -> os.write(b, off, len);
            }
            case Redirect.File f -> {
                try {
                    // 0600 from open(2) on, as every log file Overseer makes
                    OutputStream os = java.nio.channels.Channels.newOutputStream(FileChannel.open(f.path(),
                            java.util.EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                    f.append() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING),
                            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))));
                    yield new Sink() {
                        public void write(LogStream s, byte[] b, int off, int len) throws IOException {
                            os.write(b, off, len);
                        }

                        public void close() throws IOException {
                            os.close();
                        }
                    };
                } catch (IOException e) {
                    throw OverseerException.invalidArgument("%s: cannot open \"%s\": %s", stream.word(), f.path(), e.getMessage());
                }
            }
            case Redirect.ToStdout t -> throw new IllegalArgumentException("stdout's own sink serves it");
        };
    }

    /**
     * Reads what conmon has written since the last call. When conmon has replaced the file (it does past
     * {@code --log-size-max}: it closes the old one, then renames a new one over it), the old one is read to
     * its end first, so nothing conmon wrote while this reader kept up is lost.
     */
    synchronized void pump() {
        if (finished) {
            return;
        }
        try {
            if (channel == null && !open()) {
                return;
            }
            while (true) {
                buf.clear();
                int n = channel.read(buf);
                if (n > 0) {
                    lines(buf.array(), n);
                    flushSinks();
                    continue;
                }
                Object now = key(file);
                if (now != null && !now.equals(channelKey)) {
                    close(channel);
                    carry.reset(); // conmon rotates between whole lines
                    copied.clear(); // what was to be skipped was in the file just finished
                    startSizes = sizes(spec);
                    if (!open()) {
                        return;
                    }
                    continue;
                }
                if (channel.size() < channel.position()) {
                    channel.position(0); // cut in place rather than replaced: start again at its start
                    carry.reset();
                    continue;
                }
                return;
            }
        } catch (IOException e) {
            throw OverseerException.internal("reading " + file, e);
        }
    }

    /** Opens the log file if it is there, knowing which file it opened; records it in the marks. */
    private boolean open() throws IOException {
        while (true) {
            Object before = key(file);
            if (before == null) {
                return false;
            }
            FileChannel c;
            try {
                c = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException notYet) {
                return false;
            }
            if (before.equals(key(file))) {
                String k = before.toString().replace(' ', '_');
                if (marksKey != null && !marksKey.equals(k)) {
                    copied.clear(); // resumed, but conmon replaced the file meanwhile: none of this one was copied
                    startSizes = sizes(spec);
                }
                marksKey = k;
                channel = c;
                channelKey = before;
                writeMarks(marks(file), startSizes, before);
                return true;
            }
            c.close(); // replaced between the two looks: open the new one
        }
    }

    private static Object key(Path p) {
        try {
            return java.nio.file.Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads the rest and ends every stream: conmon writes the exit file only after it drained the output. */
    synchronized void finish() {
        if (finished) {
            return;
        }
        try {
            pump();
        } finally {
            finished = true;
            close(channel);
            Sink out = sinks.get(LogStream.STDOUT);
            close(out);
            if (sinks.get(LogStream.STDERR) != out) {
                close(sinks.get(LogStream.STDERR));
            }
            for (LogStream s : output.streams()) {
                output.closed(s);
            }
        }
    }

    private void flushSinks() throws IOException {
        Sink out = sinks.get(LogStream.STDOUT);
        out.flush();
        if (sinks.get(LogStream.STDERR) != out) {
            sinks.get(LogStream.STDERR).flush();
        }
    }

    private void lines(byte[] data, int len) throws IOException {
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (data[i] == '\n') {
                if (carry.size() > 0) {
                    carry.write(data, start, i - start + 1);
                    byte[] line = carry.toByteArray();
                    carry.reset();
                    line(line, 0, line.length - 1);
                } else {
                    line(data, start, i - start); // a slice: no copy per line
                }
                start = i + 1;
            }
        }
        carry.write(data, start, len - start);
    }

    /** One log line, {@code l[off, off + len)}, without its newline, which is at {@code l[off + len]}. */
    private void line(byte[] l, int off, int len) throws IOException {
        int end = off + len;
        int a = indexOf(l, off, end);
        int b = a < 0 ? -1 : indexOf(l, a + 1, end);
        int c = b < 0 ? -1 : indexOf(l, b + 1, end);
        if (c < 0 || c - b != 2) {
            return; // not a log line: conmon writes nothing else, a torn line cannot be told apart
        }
        LogStream stream = b - a == 7 && l[a + 4] == 'e' ? LogStream.STDERR : LogStream.STDOUT; // "stdout" / "stderr"
        boolean full = l[b + 1] == 'F';
        Sink sink = sinks.get(stream);
        // An F line's payload and the newline conmon cut at, which ends the log line too; a P line's payload.
        int payload = c + 1;
        int payloadLength = end - payload + (full ? 1 : 0);
        int from = 0;
        Long skip = copied.get(sink);
        if (skip != null && skip > 0) {
            from = (int) Math.min(skip, payloadLength);
            copied.put(sink, skip - from);
        }
        if (from < payloadLength) {
            sink.write(stream == LogStream.STDERR && sinks.get(LogStream.STDOUT) == sink ? LogStream.STDOUT : stream,
                    l, payload + from, payloadLength - from);
        }
    }

    private static int indexOf(byte[] l, int from, int len) {
        for (int i = from; i < len; i++) {
            if (l[i] == ' ') {
                return i;
            }
        }
        return -1;
    }

    private static void close(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // the stream is over either way
        }
    }

    private static void close(Sink s) {
        try {
            s.close();
        } catch (IOException e) {
            // the stream is over either way
        }
    }
}
