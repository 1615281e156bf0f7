package overseer.linux;

import overseer.core.OverseerException;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Raw descriptors for talking to helper programs ({@link PosixSpawn}): pipes whose ends are numbered high
 * enough to be handed to a child as its descriptors 0 to 3, and reads of what the child writes, which wait
 * without holding a virtual thread's carrier.
 * A failure is INTERNAL with the call and its errno.
 */
public final class Descriptors {
    /** Pipe ends are never below this, so that they cannot be one of a child's own target descriptors. */
    private static final int LOWEST = 10;

    private Descriptors() {
    }

    /** A pipe whose both ends are close-on-exec: {read, write}. */
    public static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            LibC.pipe2(fds, LibC.O_CLOEXEC);
            return new int[] {above(fds.getAtIndex(ValueLayout.JAVA_INT, 0)), above(fds.getAtIndex(ValueLayout.JAVA_INT, 1))};
        } catch (LibC.Errno e) {
            throw OverseerException.internal(e.getMessage(), e);
        }
    }

    /**
     * {@code fd} moved to a number of at least {@link #LOWEST} (close-on-exec): a dup2 onto itself would keep
     * close-on-exec and lose the descriptor at the exec.
     */
    private static int above(int fd) throws LibC.Errno {
        if (fd >= LOWEST) {
            return fd;
        }
        int moved = LibC.dupCloexecAbove(fd, LOWEST);
        LibC.close(fd);
        return moved;
    }

    /** Closes {@code fd}; a negative one (never opened, closed already) is nothing to close. */
    public static void close(int fd) {
        LibC.close(fd);
    }

    /** Closes both ends of each pipe given; null pipes and ends set to -1 are skipped. */
    public static void closeAll(int[]... pipes) {
        for (int[] p : pipes) {
            if (p != null) {
                for (int fd : p) {
                    LibC.close(fd);
                }
            }
        }
    }

    /** Reads until end of file. */
    public static byte[] readAll(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8192);
            long n;
            while ((n = readWhenReady(fd, buf, 8192)) > 0) {
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            }
            return out.toByteArray();
        } catch (LibC.Errno e) {
            throw OverseerException.internal(e.getMessage(), e);
        }
    }

    /** A read that waits in {@link Readiness}, so that a virtual thread waiting for a helper's output does not hold its carrier. */
    private static long readWhenReady(int fd, MemorySegment buf, long size) throws LibC.Errno {
        Readiness.awaitReadable(fd);
        return LibC.read(fd, buf, size);
    }

    /** Reads one line (without its newline), or what came before end of file; a byte at a time, so nothing after it is taken. */
    public static String readLine(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment b = a.allocate(1);
            while (readWhenReady(fd, b, 1) > 0) {
                byte x = b.get(ValueLayout.JAVA_BYTE, 0);
                if (x == '\n') {
                    break;
                }
                out.write(x);
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (LibC.Errno e) {
            throw OverseerException.internal(e.getMessage(), e);
        }
    }
}
