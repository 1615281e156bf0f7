package overseer.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Bytes on a Unix socket, exactly as given (a NUL in the request line, a lying Content-Length, a half-closed
 * connection), and the answer read back within a deadline: what no well-behaved client can send.
 */
final class RawHttp {
    /** No answer within the deadline (or the connection closed without one): status -1. */
    record Answer(int status, String body) {
        boolean answered() {
            return status > 0;
        }
    }

    private RawHttp() {
    }

    /** A request with {@code body}, headers as given; {@code contentLength} may lie. */
    static byte[] request(String method, String target, String contentType, long contentLength, byte[] body) {
        StringBuilder h = new StringBuilder().append(method).append(' ').append(target)
                .append(" HTTP/1.1\r\nHost: overseer\r\nConnection: close\r\n");
        if (contentType != null) {
            h.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (contentLength >= 0) {
            h.append("Content-Length: ").append(contentLength).append("\r\n");
        }
        byte[] head = h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    static byte[] json(String method, String target, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return request(method, target, "application/json", b.length, b);
    }

    /** Sends {@code bytes}, shuts the output down if {@code halfClose}, and reads the answer within {@code deadline}. */
    static Answer exchange(Path socket, byte[] bytes, boolean halfClose, Duration deadline) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
             var reader = Executors.newVirtualThreadPerTaskExecutor()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            try {
                ch.write(ByteBuffer.wrap(bytes));
                if (halfClose) {
                    ch.shutdownOutput();
                }
            } catch (IOException answeredEarly) {
                // the server may answer and close before it read everything: read what it said
            }
            Future<Answer> answer = reader.submit(() -> read(ch));
            try {
                return answer.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                ch.close(); // ends the reader
                return new Answer(-1, "no answer within " + deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } catch (ExecutionException e) {
                return new Answer(-1, "no answer: " + e.getCause());
            }
        }
    }

    /** The first response on the connection: its head, then the body by Content-Length (or to EOF). */
    private static Answer read(SocketChannel ch) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        int headEnd = -1;
        long length = -1;
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n > 0) {
                got.write(buf.array(), 0, n);
            }
            String text = got.toString(StandardCharsets.ISO_8859_1);
            if (headEnd < 0 && (headEnd = text.indexOf("\r\n\r\n")) >= 0) {
                for (String line : text.substring(0, headEnd).split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Long.parseLong(line.substring(15).strip());
                    }
                }
            }
            boolean complete = headEnd >= 0 && length >= 0 && got.size() >= headEnd + 4 + length;
            if (complete || n < 0) {
                if (headEnd < 0) {
                    return new Answer(-1, "closed without an answer: " + text);
                }
                String[] status = text.substring(0, text.indexOf("\r\n")).split(" ", 3);
                byte[] all = got.toByteArray();
                int from = headEnd + 4;
                int to = length >= 0 ? (int) Math.min(all.length, from + length) : all.length;
                return new Answer(Integer.parseInt(status[1]), new String(all, from, to - from, StandardCharsets.UTF_8));
            }
        }
    }
}
