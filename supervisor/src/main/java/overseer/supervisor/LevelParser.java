package overseer.supervisor;

import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 0-core's output protocol for one stream: "N::text" is a message of level N; "N:::text" opens a
 * multi-line message of level N that a line ":::" closes; any other line is a message of the stream's own
 * level (1 for stdout, 2 for stderr).
 */
final class LevelParser {
    private static final Pattern PREFIX = Pattern.compile("^(\\d{1,4})(:{2,3})(.*)$", Pattern.DOTALL);

    private final int streamLevel;
    private final Consumer<Message> out;
    private int multiLevel;
    private StringBuilder multi;

    LevelParser(int streamLevel, Consumer<Message> out) {
        this.streamLevel = streamLevel;
        this.out = out;
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
        java.time.Instant now = java.time.Instant.now();
        out.accept(new Message(level, text, now.getEpochSecond() * 1_000_000_000L + now.getNano()));
    }
}
