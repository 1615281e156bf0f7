package overseer.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram such as {@code READY=1} sent to
 * the Unix datagram socket named by {@code $NOTIFY_SOCKET}, a path or an abstract name written {@code @name}.
 * The JDK has no Unix datagram channel, hence the FFM calls. {@link Listener} is the other end, what systemd
 * binds, for tests and for anything that supervises a notifying child.
 */
public final class SdNotify {
    /** The variable systemd sets for a {@code Type=notify} service. */
    public static final String ENV = "NOTIFY_SOCKET";
    private static final int MAX_DATAGRAM = 4096;

    private SdNotify() {
    }

    /**
     * Sends {@code state} ("READY=1", "STOPPING=1", "STATUS=...") to {@code $NOTIFY_SOCKET}; false, and nothing
     * sent, when the variable is unset or empty (not started by systemd).
     */
    public static boolean notify(String state) throws IOException {
        String socket = System.getenv(ENV);
        if (socket == null || socket.isEmpty()) {
            return false;
        }
        send(socket, state);
        return true;
    }

    /** One datagram carrying {@code state} to {@code socket} (a path, or {@code @name} for an abstract socket). */
    public static void send(String socket, String state) throws IOException {
        byte[] msg = state.getBytes(StandardCharsets.UTF_8);
        int fd;
        try {
            fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC);
        } catch (LibC.Errno e) {
            throw new IOException("sd_notify: " + e.getMessage(), e);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = a.allocate(LibC.SOCKADDR_UN_SIZE);
            int len = LibC.sockaddrUn(a, addr, socket);
            MemorySegment buf = a.allocate(Math.max(1, msg.length));
            MemorySegment.copy(msg, 0, buf, ValueLayout.JAVA_BYTE, 0, msg.length);
            long sent = LibC.sendto(fd, buf, msg.length, addr, len);
            if (sent != msg.length) {
                throw new IOException("sd_notify: " + sent + " of " + msg.length + " bytes sent to " + socket);
            }
        } catch (LibC.Errno e) {
            throw new IOException("sd_notify to " + socket + ": " + e.getMessage(), e);
        } finally {
            LibC.close(fd);
        }
    }

    /** A bound notification socket, as systemd holds one for each notify service. */
    public static final class Listener implements AutoCloseable {
        private final int fd;
        private final String address;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment buf = arena.allocate(MAX_DATAGRAM);

        private Listener(int fd, String address) {
            this.fd = fd;
            this.address = address;
        }

        /** Binds {@code address}: a path that must not exist yet, or {@code @name} for an abstract socket. */
        public static Listener bind(String address) throws IOException {
            int fd;
            try {
                fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC);
            } catch (LibC.Errno e) {
                throw new IOException("socket: " + e.getMessage(), e);
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment addr = a.allocate(LibC.SOCKADDR_UN_SIZE);
                LibC.bind(fd, addr, LibC.sockaddrUn(a, addr, address));
                return new Listener(fd, address);
            } catch (LibC.Errno | RuntimeException e) {
                LibC.close(fd);
                throw new IOException("bind " + address + ": " + e.getMessage(), e);
            }
        }

        /** What to put in {@code $NOTIFY_SOCKET} for the sender. */
        public String address() {
            return address;
        }

        /** The next datagram received, without waiting; empty when none is queued. */
        public synchronized Optional<String> poll() throws IOException {
            try {
                long n = LibC.recvNow(fd, buf, MAX_DATAGRAM);
                if (n < 0) {
                    return Optional.empty();
                }
                return Optional.of(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            } catch (LibC.Errno e) {
                throw new IOException("recv on " + address + ": " + e.getMessage(), e);
            }
        }

        @Override
        public synchronized void close() {
            LibC.close(fd);
            arena.close();
        }
    }
}
