package overseer.linux;

import overseer.core.LogStream;
import overseer.core.ProcessOutput;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Moves a process's piped stdout and stderr into its {@link ProcessOutput}, on the {@link EventLoop}: each
 * read end is non-blocking and read when epoll says it is readable, up to a bound per wake-up so that one
 * chatty process cannot starve the others. End of file, or {@link #stop}, closes the stream.
 */
final class OutputPump {
    private static final int NONE = -1;
    /** Reads per wake-up: 16 × 64 KiB, then the loop serves the other descriptors before coming back. */
    private static final int ROUNDS = 16;

    private final EventLoop loop;
    private final ProcessOutput output;
    // Written by watch() before the descriptor is registered, then only touched on the loop thread.
    private final int[] fds = {NONE, NONE};
    private final long[] tokens = new long[2];

    OutputPump(EventLoop loop, ProcessOutput output) {
        this.loop = loop;
        this.output = output;
    }

    /** Starts reading {@code fd} (ours from now on) as {@code stream}; nothing when {@code fd} is -1. */
    void watch(LogStream stream, int fd) throws LibC.Errno {
        if (fd == NONE) {
            return;
        }
        int i = stream.ordinal();
        fds[i] = fd;
        LibC.setNonBlocking(fd);
        tokens[i] = loop.newToken();
        loop.register(fd, tokens[i], ev -> drain(stream));
    }

    /** Output pipes may be held open by children that outlived the process: stop reading them, soon. */
    void stop() {
        loop.execute(() -> {
            close(LogStream.STDOUT);
            close(LogStream.STDERR);
        });
    }

    /** On the loop thread: read what the pipe holds. */
    private void drain(LogStream stream) {
        int fd = fds[stream.ordinal()];
        if (fd == NONE) {
            return;
        }
        MemorySegment buf = loop.readBuffer();
        byte[] bytes = loop.readArray(); // ProcessOutput's consumers copy what they keep
        for (int round = 0; round < ROUNDS; round++) {
            long n;
            try {
                n = LibC.read(fd, buf, buf.byteSize());
            } catch (LibC.Errno e) {
                n = 0; // a broken pipe ends the stream like end of file does
            }
            if (n == -Errnos.EAGAIN) {
                return;
            }
            if (n == 0) {
                close(stream);
                return;
            }
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, bytes, 0, (int) n);
            output.feed(stream, bytes, 0, (int) n);
        }
    }

    /** On the loop thread. */
    private void close(LogStream stream) {
        int i = stream.ordinal();
        int fd = fds[i];
        if (fd == NONE) {
            return;
        }
        loop.unregister(fd, tokens[i]);
        LibC.close(fd);
        fds[i] = NONE;
        output.closed(stream);
    }
}
