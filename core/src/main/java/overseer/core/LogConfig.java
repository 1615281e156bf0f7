package overseer.core;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What Overseer does with a process's piped output.
 *
 * @param framing     how bytes become records
 * @param tailRecords how many of the last records to keep in memory per stream
 * @param file        a file sink with size-based rotation, if wanted
 */
public record LogConfig(Framing framing, int tailRecords, Optional<FileSink> file) {
    public static final int DEFAULT_TAIL = 100;
    public static final LogConfig DEFAULT = new LogConfig(Framing.LINE, DEFAULT_TAIL, Optional.empty());

    public LogConfig {
        Objects.requireNonNull(framing, "framing");
        Objects.requireNonNull(file, "file");
        if (tailRecords < 0 || tailRecords > 1_000_000) {
            throw OverseerException.invalidField("logs.tailRecords", "%d is out of range 0..1000000", tailRecords);
        }
    }

    /**
     * A log file rotated when it would grow past {@code maxBytes}: path.1 is the newest old file, up to
     * path.{maxFiles}.
     */
    public record FileSink(Path path, long maxBytes, int maxFiles) {
        public FileSink {
            Objects.requireNonNull(path, "path");
            if (maxBytes < 1024) {
                throw OverseerException.invalidField("logs.file.maxBytes", "%d is below the minimum of 1024", maxBytes);
            }
            if (maxFiles < 0 || maxFiles > 1000) {
                throw OverseerException.invalidField("logs.file.maxFiles", "%d is out of range 0..1000", maxFiles);
            }
        }
    }
}
