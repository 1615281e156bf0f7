package overseer.wire;

import overseer.core.OverseerException;

/**
 * How much of a daemon task's output is kept, per stream: docker's json-file {@code max-size} and
 * {@code max-file}. The current file ({@code ID.out}) is rotated into {@code ID.out.1} ... once it passes
 * {@code maxBytes}; {@code maxFiles} counts every file kept, the current one included (1: only the current
 * one, its head dropped).
 */
public record LogLimits(long maxBytes, int maxFiles) {
    /** 64 MiB × 3 files: at most ~192 MiB per stream of a task, as docker users commonly set json-file. */
    public static final LogLimits DEFAULT = new LogLimits(64L << 20, 3);

    public LogLimits {
        if (maxBytes < 64 * 1024) {
            throw OverseerException.invalidField("logs.maxBytes", "%d is below the minimum of 65536", maxBytes);
        }
        if (maxFiles < 1 || maxFiles > 100) {
            throw OverseerException.invalidField("logs.maxFiles", "%d is out of range 1..100", maxFiles);
        }
    }
}
