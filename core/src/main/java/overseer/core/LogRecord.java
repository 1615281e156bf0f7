package overseer.core;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One framed piece of a process's output.
 *
 * @param time    when Overseer read it
 * @param stream  stdout or stderr
 * @param payload the bytes, without the line terminator or length prefix
 * @param partial true when a line was cut because it was longer than the record limit, or the stream ended
 *                without a final newline (k8s-file's "P" tag)
 */
public record LogRecord(Instant time, LogStream stream, byte[] payload, boolean partial) {
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return time + " " + stream.word() + (partial ? " P " : " F ") + text();
    }
}
