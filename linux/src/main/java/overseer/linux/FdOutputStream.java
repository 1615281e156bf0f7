package overseer.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A blocking output stream on a file descriptor it owns (the write end of a stdin pipe). */
final class FdOutputStream extends OutputStream {
    private final int fd;
    private boolean closed;

    FdOutputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stdin is closed");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(len);
            MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                try {
                    done += LibC.write(fd, buf.asSlice(done), len - done);
                } catch (LibC.Errno e) {
                    if (e.errno != LibC.EAGAIN) {
                        throw e;
                    }
                    // A terminal's master is non-blocking (the event loop reads it): wait for room.
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }
        } catch (LibC.Errno e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
