package overseer.oci;

import overseer.linux.SeqpacketSocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The process's stdin, written through conmon's attach socket (SOCK_SEQPACKET; conmon forwards every packet to
 * the pipe it holds as the process's stdin, and closes that pipe when the last attached client goes: that is
 * CloseIO). Bytes written before the process starts wait here, as they would in a pipe.
 *
 * <p>Right after connecting, the socket's read side is shut down: conmon also copies the process's output to
 * every attached client with blocking writes, and a client that never reads would stall it. With the read side
 * shut, its first copy fails and conmon stops sending to this client (its output is in the log anyway).
 */
final class AttachStdin extends OutputStream {
    /** conmon reads a packet into a 32 KiB buffer; smaller packets are never cut. */
    private static final int PACKET = 8192;

    private final ByteArrayOutputStream early = new ByteArrayOutputStream();
    private SeqpacketSocket socket;
    private boolean closed;

    /**
     * Connects to conmon's socket and delivers what was written so far. A process that is already gone (conmon
     * removes its socket when it exits) has no stdin left: this stream is then closed, and later writes fail.
     */
    synchronized void connect(Path socket) {
        if (this.socket != null) {
            return;
        }
        byte[] pending = early.toByteArray();
        early.reset();
        try {
            this.socket = SeqpacketSocket.connect(socket);
            this.socket.shutdownInput();
            send(pending, 0, pending.length);
        } catch (IOException gone) {
            closed = true;
        }
        if (closed && this.socket != null) {
            this.socket.close();
            this.socket = null;
        }
    }

    /** Copies {@code in} to the process's stdin on a virtual thread, then closes it (stdin from a file, or Overseer's own). */
    void feedFrom(InputStream in, boolean closeAfter) {
        Thread.ofVirtual().name("overseer-oci-stdin").start(() -> {
            byte[] b = new byte[PACKET];
            try (in) {
                int n;
                while ((n = in.read(b)) > 0) {
                    write(b, 0, n);
                }
            } catch (IOException e) {
                // the process is gone or stdin was closed: nothing more to deliver
            } finally {
                if (closeAfter) {
                    close();
                }
            }
        });
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stdin is closed");
        }
        if (socket == null) {
            early.write(b, off, len);
            return;
        }
        send(b, off, len);
    }

    private void send(byte[] b, int off, int len) throws IOException {
        for (int i = 0; i < len; i += PACKET) {
            socket.send(b, off + i, Math.min(PACKET, len - i));
        }
    }

    /** Closes stdin: the process reads end of file once the bytes before it are read. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
