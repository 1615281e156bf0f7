package overseer.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What `ssh -L PORT:/run/overseer/overseer.sock` does on the operator's side: a loopback port whose every
 * connection is relayed, byte for byte, to the Unix socket. No HTTP is looked at: the browser's requests
 * reach the daemon as it sent them (its Host header too).
 */
final class SocketForward implements AutoCloseable {
    private final ServerSocket listener;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SocketForward(Path socket) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("forward-accept").start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket browser = listener.accept();
                    SocketChannel daemon = SocketChannel.open(StandardProtocolFamily.UNIX);
                    daemon.connect(UnixDomainSocketAddress.of(socket));
                    open.add(browser);
                    open.add(daemon);
                    pipe(browser.getInputStream(), Channels.newOutputStream(daemon));
                    pipe(Channels.newInputStream(daemon), browser.getOutputStream());
                } catch (IOException e) {
                    // closed: the test is over
                }
            }
        });
    }

    int port() {
        return listener.getLocalPort();
    }

    private void pipe(InputStream from, OutputStream to) {
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                for (int n = from.read(buf); n >= 0; n = from.read(buf)) {
                    to.write(buf, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                try {
                    to.close(); // the other side sees the end, as ssh passes an EOF on
                } catch (IOException ignored) {
                    // already closed
                }
            }
        });
    }

    @Override
    public void close() throws Exception {
        listener.close();
        for (AutoCloseable c : open) {
            c.close();
        }
        acceptor.join();
    }
}
