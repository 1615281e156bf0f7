package overseer.supervisor;

import java.util.function.Consumer;

import static java.nio.charset.StandardCharsets.UTF_8;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 0-core's output protocol for one stream: "N::text" is a message of level N; "N:::text" opens a
 * multi-line message of level N that a line ":::" closes; any other line is a message of the stream's own
 * level (1 for stdout, 2 for stderr).
 */
final class LevelParser {
    private static final Pattern PREFIX = Pattern.compile("^(\\d{1,4})(:{2,3})(.*)$", Pattern.DOTALL);

    /** A line of the stream's own level, as bytes valid only during the call: no String or Message is made for it. */
    interface Plain {
        void plain(int level, byte[] buf, int off, int len);
    }

    private final int streamLevel;
    private final Consumer<Message> out;
    private final Plain plain;
    private int multiLevel;
    private StringBuilder multi;

    LevelParser(int streamLevel, Consumer<Message> out) {
        this(streamLevel, out, (level, buf, off, len) -> out.accept(message(level, new String(buf, off, len, UTF_8))));
    }

    LevelParser(int streamLevel, Consumer<Message> out, Plain plain) {
        this.streamLevel = streamLevel;
        this.out = out;
        this.plain = plain;
    }

    /**
     * A line as bytes (UTF-8). One that cannot start a level message ("N::" or "N:::", N of 1 to 4 digits) and
     * does not continue one goes to {@link Plain} as it is: under a flood, most lines do.
     */
    void line(byte[] buf, int off, int len) {
        if (multi == null && !levelPrefix(buf, off, len)) {
            plain.plain(streamLevel, buf, off, len);
            return;
        }
        line(new String(buf, off, len, UTF_8));
    }

    /** What {@link #PREFIX} needs before its rest: 1 to 4 ASCII digits, then two colons. */
    private static boolean levelPrefix(byte[] b, int off, int len) {
        int d = 0;
        while (d < 4 && d < len && b[off + d] >= '0' && b[off + d] <= '9') {
            d++;
        }
        return d > 0 && d + 2 <= len && b[off + d] == ':' && b[off + d + 1] == ':';
    }

    void line(String line) {
        if (multi != null) {
            if (line.equals(":::")) {
                emit(multiLevel, multi.toString());
                multi = null;
            } else {
                multi.append('\n').append(line);
            }
            return;
        }
        Matcher m = PREFIX.matcher(line);
        if (!m.matches()) {
            emit(streamLevel, line);
        } else if (m.group(2).length() == 3) {
            multiLevel = Integer.parseInt(m.group(1));
            multi = new StringBuilder(m.group(3));
        } else {
            emit(Integer.parseInt(m.group(1)), m.group(3));
        }
    }

    /** The stream ended: an unclosed multi-line message is delivered as it is. */
    void finish() {
        if (multi != null) {
            emit(multiLevel, multi.toString());
            multi = null;
        }
    }

    private void emit(int level, String text) {
        out.accept(message(level, text));
    }

    static Message message(int level, String text) {
        java.time.Instant now = java.time.Instant.now();
        return new Message(level, text, now.getEpochSecond() * 1_000_000_000L + now.getNano());
    }
}
