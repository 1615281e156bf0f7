package overseer.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The HTTP/1.1 plumbing shared by {@link UnixHttp} and {@code overseer ui}'s proxy: a CRLF line, a header line, a
 * request head, a chunked body with its trailer.
 */
public final class Http1 {
    private Http1() {
    }

    /**
     * A line of a head, without its CR LF; one cut short by the end of the stream is returned as it is, an end of
     * stream before any byte is an IOException.
     */
    public static String line(InputStream in) throws IOException {
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

    /**
     * A line of a head, without its CR LF, of at most {@code max} bytes; the end of the stream anywhere before the
     * LF is an IOException, with {@code closed} as its message.
     */
    public static String line(InputStream in, int max, String closed) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException(closed);
            }
            if (b.length() > max) {
                throw new IOException("a response line longer than " + max + " bytes");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /** A header field: its name in lower case, its value stripped. */
    public record Header(String name, String value) {
        /** The field in {@code line}, or null when it has no name before a colon. */
        public static Header parse(String line) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                return null;
            }
            return new Header(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
    }

    /** A request head, written a field at a time; {@link #bytes} adds the empty line that ends it. */
    public static final class RequestHead {
        private final StringBuilder h = new StringBuilder();

        public RequestHead(String method, String target, String host) {
            h.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        }

        public RequestHead header(String name, Object value) {
            h.append(name).append(": ").append(value).append("\r\n");
            return this;
        }

        public byte[] bytes() {
            return (h + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        }
    }

    /** A chunked body, decoded; see {@link Chunked}. */
    public static InputStream chunked(InputStream in) {
        return new Chunked(in);
    }

    /** The chunked transfer coding, decoded, trailers included, so that the connection is left at the next response. */
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
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                String size = line(in);
                int semi = size.indexOf(';'); // chunk extensions: none are used, all are ignored
                try {
                    left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("chunked body: not a chunk size: " + size);
                }
                if (left < 0) {
                    throw new IOException("chunked body: not a chunk size: " + size);
                }
                if (left == 0) {
                    // The trailer section, then the empty line that ends the body.
                    for (String t = line(in); !t.isEmpty(); t = line(in)) {
                        // trailers are not used
                    }
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
