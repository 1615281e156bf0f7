package overseer.core;

/**
 * Receives a process's output exactly as it was read, before any framing, on the thread that reads it: for
 * a consumer that passes the bytes on unchanged, such as {@code overseer run} to its own stdout. {@code buf}
 * is reused after the call: copy what is kept.
 */
@FunctionalInterface
public interface ByteSink {
    void write(LogStream stream, byte[] buf, int off, int len);

    /** Every piped stream has ended. */
    default void close() {
    }
}
