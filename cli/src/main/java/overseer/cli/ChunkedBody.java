package overseer.cli;

import java.io.IOException;
import java.io.InputStream;

/** An HTTP/1.1 chunked body, decoded: the daemon's streams (events, a followed log) come this way. */
final class ChunkedBody extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    ChunkedBody(InputStream in) {
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
            String size = UiProxy.line(in);
            int semicolon = size.indexOf(';'); // chunk extensions: none are used, all are ignored
            try {
                left = Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).strip(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("a bad chunk size from the daemon: " + size);
            }
            if (left == 0) {
                for (String trailer = UiProxy.line(in); !trailer.isEmpty(); trailer = UiProxy.line(in)) {
                    // trailers are not passed on
                }
                done = true;
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            throw new IOException("the daemon's chunked body ended early");
        }
        left -= n;
        if (left == 0) {
            UiProxy.line(in); // the CRLF after the chunk
        }
        return n;
    }
}
