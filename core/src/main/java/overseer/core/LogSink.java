package overseer.core;

/**
 * Receives a process's log records in order, on the thread that reads the output: keep it quick.
 */
@FunctionalInterface
public interface LogSink {
    void accept(LogRecord record);

    /** The stream ended; flush and release whatever the sink holds. */
    default void close() {
    }
}
