package overseer.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The last N records of one stream, kept in memory. Thread-safe.
 *
 * <p>Kept as a ring of slots whose payload arrays are reused: a record costs a copy into its slot, and a
 * {@link LogRecord} is made only when {@link #records()} is read. Under a flood of short lines the tail
 * allocates nothing once its slots are warm. A slot keeps the largest array it needed, so the tail holds at
 * most {@code capacity × MAX_RECORD} bytes, as a ring of records would.
 */
public final class LogTail implements LogSink {
    private static final int MIN_SLOT = 128;

    private final int capacity;
    private Instant[] times = new Instant[0];
    private LogStream[] streams = new LogStream[0];
    private byte[][] payloads = new byte[0][];
    private int[] lengths = new int[0];
    private boolean[] partials = new boolean[0];
    /** The slot of the oldest record. */
    private int head;
    private int size;

    public LogTail(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public void accept(LogRecord record) {
        accept(record.time(), record.stream(), record.payload(), 0, record.payload().length, record.partial());
    }

    @Override
    public void accept(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial) {
        if (capacity == 0) {
            return; // before the lock: a tail of nothing costs nothing per line
        }
        add(time, stream, buf, off, len, partial);
    }

    private synchronized void add(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial) {
        int slot;
        if (size < capacity) {
            if (size == times.length) {
                grow();
            }
            slot = head + size;
            if (slot >= times.length) {
                slot -= times.length;
            }
            size++;
        } else {
            slot = head;
            head = head + 1 == times.length ? 0 : head + 1;
        }
        byte[] p = payloads[slot];
        if (p == null || p.length < len) {
            p = new byte[Math.max(len, MIN_SLOT)];
            payloads[slot] = p;
        }
        System.arraycopy(buf, off, p, 0, len);
        times[slot] = time;
        streams[slot] = stream;
        lengths[slot] = len;
        partials[slot] = partial;
    }

    /** Below capacity the ring is full: double it (up to capacity), laying the records out from slot 0. */
    private void grow() {
        int n = (int) Math.min(capacity, Math.max(16, 2L * times.length));
        times = unrolled(times, new Instant[n]);
        streams = unrolled(streams, new LogStream[n]);
        payloads = unrolled(payloads, new byte[n][]);
        int[] l = new int[n];
        boolean[] pa = new boolean[n];
        for (int i = 0; i < size; i++) {
            l[i] = lengths[(head + i) % lengths.length];
            pa[i] = partials[(head + i) % partials.length];
        }
        lengths = l;
        partials = pa;
        head = 0;
    }

    private <T> T[] unrolled(T[] from, T[] to) {
        for (int i = 0; i < size; i++) {
            to[i] = from[(head + i) % from.length];
        }
        return to;
    }

    public synchronized List<LogRecord> records() {
        List<LogRecord> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int s = (head + i) % times.length;
            out.add(new LogRecord(times[s], streams[s], Arrays.copyOf(payloads[s], lengths[s]), partials[s]));
        }
        return List.copyOf(out);
    }

    /** The records' text, one string per record. */
    public List<String> lines() {
        return records().stream().map(LogRecord::text).toList();
    }
}
