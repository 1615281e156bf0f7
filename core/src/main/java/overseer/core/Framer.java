package overseer.core;

import java.time.Instant;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Turns the bytes of one stream into {@link LogRecord}s. Not thread-safe: one reader feeds it.
 *
 * <p>Records leave as slices ({@link Out}) of the buffer that was fed, or of the framer's own buffer when a
 * record spans feeds: no object is made per record unless a consumer asks for one. A flood of short lines
 * costs a scan and a copy per byte, not an allocation per line.
 */
abstract sealed class Framer permits Framer.Lines, Framer.Messages, Framer.Raw {
    /** The largest record; longer lines are cut into partial records, longer messages are refused. */
    public static final int MAX_RECORD = 64 * 1024;

    /**
     * Where records go: {@code buf[off, off + len)} is the payload, valid only during the call. {@code cr}
     * says that a '\r' ended the line before its '\n' and was left out of the payload; it is still at
     * {@code buf[off + len]}, for a consumer that keeps the output exactly.
     */
    interface Out {
        void record(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial, boolean cr);
    }

    protected final LogStream stream;
    protected final Out out;
    /** A record that spans feeds, gathered here; never longer than MAX_RECORD (+ the header for messages). */
    protected byte[] pending = new byte[256];
    protected int fill;

    private Framer(LogStream stream, Out out) {
        this.stream = stream;
        this.out = out;
    }

    public static Framer of(Framing framing, LogStream stream, Consumer<LogRecord> out) {
        return of(framing, stream, (Out) (time, s, buf, off, len, partial, cr) ->
                out.accept(new LogRecord(time, s, Arrays.copyOfRange(buf, off, off + len), partial)));
    }

    static Framer of(Framing framing, LogStream stream, Out out) {
        return switch (framing) {
            case LINE -> new Lines(stream, out);
            case MESSAGE -> new Messages(stream, out);
            case RAW -> new Raw(stream, out);
        };
    }

    public void feed(byte[] buf, int off, int len) {
        feed(buf, off, len, Instant.now());
    }

    /** {@code time}: when the bytes were read; every record they complete carries it. */
    public abstract void feed(byte[] buf, int off, int len, Instant time);

    /** The stream is closed: emit what is left as a partial record. */
    public void finish() {
        if (fill > 0) {
            out.record(Instant.now(), stream, pending, 0, fill, true, false);
            fill = 0;
        }
    }

    protected void append(byte[] buf, int off, int len) {
        if (fill + len > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(fill + len, Math.min(2 * pending.length, MAX_RECORD + 1)));
        }
        System.arraycopy(buf, off, pending, fill, len);
        fill += len;
    }

    static final class Lines extends Framer {
        Lines(LogStream stream, Out out) {
            super(stream, out);
        }

        @Override
        public void feed(byte[] buf, int off, int len, Instant time) {
            int start = off;
            int end = off + len;
            while (start < end) {
                // the record may take `room` more bytes; a '\n' right after them still ends it as a full line
                int room = MAX_RECORD - fill;
                int limit = Math.min(end, start + room + 1);
                int nl = indexOfNewline(buf, start, limit);
                if (nl >= 0) {
                    if (fill == 0) {
                        line(time, buf, start, nl - start);
                    } else {
                        append(buf, start, nl - start);
                        line(time, pending, 0, fill);
                        fill = 0;
                    }
                    start = nl + 1;
                } else if (start + room < end) {
                    // the byte at start + room would make the record too long: what came before it is partial
                    if (fill == 0) {
                        out.record(time, stream, buf, start, room, true, false);
                    } else {
                        append(buf, start, room);
                        out.record(time, stream, pending, 0, fill, true, false);
                        fill = 0;
                    }
                    start += room;
                } else {
                    append(buf, start, end - start);
                    start = end;
                }
            }
        }

        private void line(Instant time, byte[] b, int off, int len) {
            boolean cr = len > 0 && b[off + len - 1] == '\r';
            out.record(time, stream, b, off, cr ? len - 1 : len, false, cr);
        }

        private static final java.lang.invoke.VarHandle LONGS =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
        private static final long ONES = 0x0101010101010101L;
        private static final long HIGHS = 0x8080808080808080L;
        private static final long NEWLINES = ONES * '\n';

        /** Eight bytes at a time (the "has a zero byte" test on x ^ '\n'...): the scan is most of the work. */
        private static int indexOfNewline(byte[] b, int from, int to) {
            int i = from;
            for (; i + 8 <= to; i += 8) {
                long x = (long) LONGS.get(b, i) ^ NEWLINES;
                long found = (x - ONES) & ~x & HIGHS;
                if (found != 0) {
                    return i + (Long.numberOfTrailingZeros(found) >>> 3);
                }
            }
            for (; i < to; i++) {
                if (b[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }

    /** Every read as one partial record, at most MAX_RECORD bytes each. */
    static final class Raw extends Framer {
        Raw(LogStream stream, Out out) {
            super(stream, out);
        }

        @Override
        public void feed(byte[] buf, int off, int len, Instant time) {
            for (int i = off; i < off + len; i += MAX_RECORD) {
                out.record(time, stream, buf, i, Math.min(off + len - i, MAX_RECORD), true, false);
            }
        }
    }

    /** Reads header, body, header, body... across feeds; an oversized record is reported and skipped. */
    static final class Messages extends Framer {
        private final byte[] header = new byte[4];
        private int headerFill;
        private int bodySize = -1;
        private long skipping;

        Messages(LogStream stream, Out out) {
            super(stream, out);
        }

        @Override
        public void feed(byte[] buf, int off, int len, Instant time) {
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
                        startBody(time, ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16)
                                | ((header[2] & 0xff) << 8) | (header[3] & 0xff));
                    }
                } else {
                    int n = Math.min(bodySize - fill, end - i);
                    append(buf, i, n);
                    i += n;
                    if (fill == bodySize) {
                        endBody(time);
                    }
                }
            }
        }

        private void startBody(Instant time, long size) {
            if (size > MAX_RECORD) {
                byte[] note = ("overseer: message length " + size + " exceeds " + MAX_RECORD
                        + " bytes; record dropped").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.record(time, stream, note, 0, note.length, true, false);
                skipping = size;
                return;
            }
            bodySize = (int) size;
            if (bodySize == 0) {
                endBody(time);
            }
        }

        private void endBody(Instant time) {
            out.record(time, stream, pending, 0, fill, false, false);
            fill = 0;
            bodySize = -1;
        }
    }
}
