package overseer.core;

import java.util.ArrayDeque;
import java.util.List;

/** The last N records of one stream, kept in memory. Thread-safe. */
public final class LogTail implements LogSink {
    private final int capacity;
    private final ArrayDeque<LogRecord> records;

    public LogTail(int capacity) {
        this.capacity = capacity;
        this.records = new ArrayDeque<>(Math.min(capacity, 256));
    }

    @Override
    public synchronized void accept(LogRecord record) {
        if (capacity == 0) {
            return;
        }
        if (records.size() == capacity) {
            records.poll();
        }
        records.add(record);
    }

    public synchronized List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The records' text, one string per record. */
    public List<String> lines() {
        return records().stream().map(LogRecord::text).toList();
    }
}
