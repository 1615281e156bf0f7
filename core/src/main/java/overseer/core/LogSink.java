package overseer.core;

import java.time.Instant;
import java.util.Arrays;

/**
 * Receives a process's log records in order, on the thread that reads the output: keep it quick.
 */
@FunctionalInterface
public interface LogSink {
    void accept(LogRecord record);

    /**
     * The same record as a slice of the reader's buffer, valid only during the call. The default makes the
     * {@link LogRecord}; a sink that can work from the bytes overrides this and saves an object and a copy
     * per record, which is what a flood of short lines costs.
     */
    default void accept(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial) {
        accept(new LogRecord(time, stream, Arrays.copyOfRange(buf, off, off + len), partial));
    }

    /** The stream ended; flush and release whatever the sink holds. */
    default void close() {
    }
}
