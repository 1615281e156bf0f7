package overseer.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A small HTTP/1.1 client for a Unix domain socket, which the JDK's HttpClient cannot dial. One request per
 * connection; bodies are read by Content-Length or chunked transfer coding, or streamed for event streams.
 */
public final class UnixHttp {
    private static final int MAX_HEADER = 64 * 1024;

    private final Path socket;

    public UnixHttp(Path socket) {
        this.socket = socket;
    }

    /** A response read whole. */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public Response send(String method, String path, String contentType, byte[] body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(ch);
            IOException writeFailure = null;
            try {
                writeRequest(out, method, path, contentType, body);
            } catch (IOException e) {
                writeFailure = e; // a server may answer (413) and close before it read the whole body
            }
            InputStream in = buffered(ch);
            try {
                Head head = readHead(in);
                return new Response(head.status, head.headers, readBody(in, head.headers));
            } catch (IOException e) {
                if (writeFailure != null) {
                    writeFailure.addSuppressed(e);
                    throw writeFailure;
                }
                throw e;
            }
        }
    }

    /** Sends a request and hands the open response body to {@code reader}, for streams such as events and logs. */
    public <T> T stream(String method, String path, BodyReader<T> reader) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            writeRequest(Channels.newOutputStream(ch), method, path, null, null);
            InputStream in = buffered(ch);
            Head head = readHead(in);
            String length = head.headers.get("content-length");
            // A body with a length ends there, whether or not the server closes the connection after it.
            InputStream body = "chunked".equalsIgnoreCase(head.headers.get("transfer-encoding")) ? new Chunked(in)
                    : length != null ? new java.io.ByteArrayInputStream(in.readNBytes(Integer.parseInt(length))) : in;
            return reader.read(head.status, head.headers, body);
        }
    }

    /**
     * The response side of the connection, buffered: the head is read a byte at a time ({@link #line}), and
     * straight from the channel each byte was a read(2) of its own, some 200 per response. A buffered read still
     * returns as soon as any bytes arrived, so an event stream's lines are not held back.
     */
    private static InputStream buffered(SocketChannel ch) {
        return new BufferedInputStream(Channels.newInputStream(ch), 8192);
    }

    @FunctionalInterface
    public interface BodyReader<T> {
        T read(int status, Map<String, String> headers, InputStream body) throws IOException;
    }

    private static void writeRequest(OutputStream out, String method, String path, String contentType, byte[] body)
            throws IOException {
        StringBuilder h = new StringBuilder();
        h.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: overseer\r\nConnection: close\r\n");
        if (body != null) {
            h.append("Content-Type: ").append(contentType == null ? "application/json" : contentType).append("\r\n");
            h.append("Content-Length: ").append(body.length).append("\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    private record Head(int status, Map<String, String> headers) {
    }

    private static Head readHead(InputStream in) throws IOException {
        String status = line(in);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + status);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int size = 0;
        for (String l = line(in); !l.isEmpty(); l = line(in)) {
            size += l.length();
            if (size > MAX_HEADER) {
                throw new IOException("response headers larger than " + MAX_HEADER + " bytes");
            }
            int colon = l.indexOf(':');
            if (colon > 0) {
                headers.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
            }
        }
        return new Head(Integer.parseInt(parts[1]), headers);
    }

    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return new Chunked(in).readAllBytes();
        }
        String length = headers.get("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length));
        }
        return in.readAllBytes(); // Connection: close delimits it
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1 && b.size() == 0) {
            throw new IOException("connection closed before the end of the response head");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** The chunked transfer coding, decoded. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                int semi = size.indexOf(';');
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new IOException("connection closed inside a chunk");
            }
            left -= n;
            if (left == 0) {
                line(in); // the CRLF after the chunk
            }
            return n;
        }
    }
}
