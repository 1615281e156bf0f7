package overseer.core;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Turns the bytes of one stream into {@link LogRecord}s. Not thread-safe: one reader feeds it.
 */
public abstract sealed class Framer permits Framer.Lines, Framer.Messages {
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
                    int lineEnd = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                    pending.write(buf, start, lineEnd - start);
                    emit(pending.toByteArray(), false);
                    pending.reset();
                    start = i + 1;
                } else if (pending.size() + (i - start) + 1 >= MAX_RECORD) {
                    pending.write(buf, start, i + 1 - start);
                    emit(pending.toByteArray(), true);
                    pending.reset();
                    start = i + 1;
                }
            }
            pending.write(buf, start, end - start);
        }
    }

    static final class Messages extends Framer {
        Messages(LogStream stream, Consumer<LogRecord> out) {
            super(stream, out);
        }

        @Override
        public void feed(byte[] buf, int off, int len) {
            pending.write(buf, off, len);
            byte[] all = pending.toByteArray();
            int pos = 0;
            while (all.length - pos >= 4) {
                int size = ((all[pos] & 0xff) << 24) | ((all[pos + 1] & 0xff) << 16)
                        | ((all[pos + 2] & 0xff) << 8) | (all[pos + 3] & 0xff);
                if (size < 0 || size > MAX_RECORD) {
                    // A corrupt or hostile length: report it once and fall back to passing bytes through.
                    emit(("overseer: message length " + (size & 0xffffffffL) + " exceeds " + MAX_RECORD
                            + " bytes; record dropped").getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
                    pos = all.length;
                    break;
                }
                if (all.length - pos - 4 < size) {
                    break;
                }
                byte[] payload = new byte[size];
                System.arraycopy(all, pos + 4, payload, 0, size);
                emit(payload, false);
                pos += 4 + size;
            }
            pending.reset();
            pending.write(all, pos, all.length - pos);
        }
    }
}
