package overseer.linux;

import overseer.core.OverseerException;

import java.nio.file.Path;

/**
 * Rotating a log file that a process writes itself, with O_APPEND, and that Overseer cannot reopen for it:
 * the head of the file is cut away in place ({@code fallocate(FALLOC_FL_COLLAPSE_RANGE)}), which the kernel
 * does under the inode's lock, so an append that races it lands after what is kept, never in a hole and
 * never lost. The caller copies the head elsewhere first.
 */
public final class LogFiles {
    /** The unit the kernel collapses by: the file system's block (4 KiB on ext4 and xfs). */
    public static final long BLOCK = 4096;

    private LogFiles() {
    }

    /**
     * Removes the first {@code bytes} (a multiple of {@link #BLOCK}, less than the file's size) of {@code file}.
     * Returns false when its file system cannot (tmpfs, btrfs, NFS: EOPNOTSUPP); UNAVAILABLE for another error.
     */
    public static boolean collapseHead(Path file, long bytes) {
        if (bytes <= 0 || bytes % BLOCK != 0) {
            throw OverseerException.invalidArgument("bytes: %d is not a positive multiple of %d", bytes, BLOCK);
        }
        int fd;
        try {
            fd = LibC.open(file.toString(), LibC.O_WRONLY);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("%s: cannot open it to rotate it: %s", file, e.getMessage());
        }
        try {
            LibC.fallocate(fd, LibC.FALLOC_FL_COLLAPSE_RANGE, 0, bytes);
            return true;
        } catch (LibC.Errno e) {
            if (e.errno == LibC.EOPNOTSUPP) {
                return false;
            }
            throw OverseerException.unavailable("%s: cannot cut its first %d bytes: %s", file, bytes, e.getMessage());
        } finally {
            LibC.close(fd);
        }
    }
}
