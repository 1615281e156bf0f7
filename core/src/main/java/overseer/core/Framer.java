package overseer.core;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Turns the bytes of one stream into {@link LogRecord}s. Not thread-safe: one reader feeds it.
 */
public abstract sealed class Framer permits Framer.Lines, Framer.Messages, Framer.Raw {
    /** The largest record; longer lines are cut into partial records, longer messages are refused. */
    public static final int MAX_RECORD = 64 * 1024;

    protected final LogStream stream;
    protected final Consumer<LogRecord> out;
    protected final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private Framer(LogStream stream, Consumer<LogRecord> out) {
        this.stream = stream;
        this.out = out;
    }

    public static Framer of(Framing framing, LogStream stream, Consumer<LogRecord> out) {
        return switch (framing) {
            case LINE -> new Lines(stream, out);
            case MESSAGE -> new Messages(stream, out);
            case RAW -> new Raw(stream, out);
        };
    }

    public abstract void feed(byte[] buf, int off, int len);

    /** The stream is closed: emit what is left as a partial record. */
    public void finish() {
        if (pending.size() > 0) {
            emit(pending.toByteArray(), true);
            pending.reset();
        }
    }

    protected void emit(byte[] payload, boolean partial) {
        out.accept(new LogRecord(Instant.now(), stream, payload, partial));
    }

    static final class Lines extends Framer {
        Lines(LogStream stream, Consumer<LogRecord> out) {
            super(stream, out);
        }

        @Override
        public void feed(byte[] buf, int off, int len) {
            int start = off;
            int end = off + len;
            for (int i = off; i < end; i++) {
                if (buf[i] == '\n') {
                    pending.write(buf, start, i - start);
                    byte[] line = pending.toByteArray();
                    int n = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
                    emit(n == line.length ? line : java.util.Arrays.copyOf(line, n), false);
                    pending.reset();
                    start = i + 1;
                } else if (pending.size() + (i - start) == MAX_RECORD) {
                    // buf[i] would make the record too long: what came before it is a partial record.
                    pending.write(buf, start, i - start);
                    emit(pending.toByteArray(), true);
                    pending.reset();
                    start = i;
                }
            }
            pending.write(buf, start, end - start);
        }
    }

    /** Every read as one partial record, at most MAX_RECORD bytes each. */
    static final class Raw extends Framer {
        Raw(LogStream stream, Consumer<LogRecord> out) {
            super(stream, out);
        }

        @Override
        public void feed(byte[] buf, int off, int len) {
            for (int i = off; i < off + len; i += MAX_RECORD) {
                emit(java.util.Arrays.copyOfRange(buf, i, Math.min(off + len, i + MAX_RECORD)), true);
            }
        }
    }

    /** Reads header, body, header, body... across feeds; an oversized record is reported and skipped. */
    static final class Messages extends Framer {
        private final byte[] header = new byte[4];
        private int headerFill;
        private int bodySize = -1;
        private long skipping;

        Messages(LogStream stream, Consumer<LogRecord> out) {
            super(stream, out);
        }

        @Override
        public void feed(byte[] buf, int off, int len) {
            int i = off;
            int end = off + len;
            while (i < end) {
                if (skipping > 0) {
                    int n = (int) Math.min(skipping, end - i);
                    skipping -= n;
                    i += n;
                } else if (bodySize < 0) {
                    header[headerFill++] = buf[i++];
                    if (headerFill == 4) {
                        headerFill = 0;
                        startBody(((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16)
                                | ((header[2] & 0xff) << 8) | (header[3] & 0xff));
                    }
                } else {
                    int n = Math.min(bodySize - pending.size(), end - i);
                    pending.write(buf, i, n);
                    i += n;
                    if (pending.size() == bodySize) {
                        endBody();
                    }
                }
            }
        }

        private void startBody(long size) {
            if (size > MAX_RECORD) {
                emit(("overseer: message length " + size + " exceeds " + MAX_RECORD
                        + " bytes; record dropped").getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
                skipping = size;
                return;
            }
            bodySize = (int) size;
            if (bodySize == 0) {
                endBody();
            }
        }

        private void endBody() {
            emit(pending.toByteArray(), false);
            pending.reset();
            bodySize = -1;
        }
    }
}
