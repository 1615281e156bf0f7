package overseer.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A connected SOCK_SEQPACKET Unix socket, which Java's channels cannot make (they are streams only): conmon
 * offers the process's stdin through one. Failures are IOExceptions with the call and its errno: the peer
 * going away is an ordinary event for a stream.
 */
public final class SeqpacketSocket implements AutoCloseable {
    private int fd;

    private SeqpacketSocket(int fd) {
        this.fd = fd;
    }

    /** Connects to the socket at {@code path} (at most 107 bytes). */
    public static SeqpacketSocket connect(Path path) throws IOException {
        int fd = -1;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(LibC.SOCKADDR_UN_SIZE, 2);
            int len = LibC.sockaddrUn(a, addr, path.toString());
            fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC);
            LibC.connect(fd, addr, len);
            return new SeqpacketSocket(fd);
        } catch (LibC.Errno e) {
            LibC.close(fd);
            throw new IOException("connect " + path + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IOException("connect " + path + ": " + Errnos.name(Errnos.ENAMETOOLONG), e);
        }
    }

    /** shutdown(SHUT_RD): this side reads nothing, so a peer that copies output to it stops doing so. */
    public synchronized void shutdownInput() throws IOException {
        try {
            LibC.shutdown(fd, LibC.SHUT_RD);
        } catch (LibC.Errno e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Sends one packet; a closed peer is EPIPE, never a SIGPIPE. */
    public synchronized void send(byte[] data, int off, int len) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, len));
            MemorySegment.copy(data, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            LibC.sendto(fd, buf, len, MemorySegment.NULL, 0);
        } catch (LibC.Errno e) {
            throw new IOException("send: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        LibC.close(fd);
        fd = -1;
    }
}
