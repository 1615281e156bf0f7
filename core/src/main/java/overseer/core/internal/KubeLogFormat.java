package overseer.core.internal;

import overseer.core.LogRecord;
import overseer.core.LogStream;
import overseer.core.OverseerException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The CRI "k8s-file" log line that conmon writes and Overseer's file sink writes too:
 * {@code 2026-11-23T13:40:29.123456789Z stdout F the text}. F marks a full line, P a partial one.
 */
public final class KubeLogFormat {
    private KubeLogFormat() {
    }

    public static String format(LogRecord r) {
        return DateTimeFormatter.ISO_INSTANT.format(r.time()) + ' ' + r.stream().word() + ' '
                + (r.partial() ? 'P' : 'F') + ' ' + r.text() + '\n';
    }

    public static LogRecord parse(String line) {
        int a = line.indexOf(' ');
        int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
        int c = b < 0 ? -1 : line.indexOf(' ', b + 1);
        if (c < 0) {
            throw OverseerException.invalidArgument("log line: not in k8s-file format: \"%s\"", line);
        }
        try {
            Instant time = DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(line.substring(0, a), Instant::from);
            LogStream stream = switch (line.substring(a + 1, b)) {
                case "stdout" -> LogStream.STDOUT;
                case "stderr" -> LogStream.STDERR;
                default -> throw OverseerException.invalidArgument("log line: unknown stream \"%s\"",
                        line.substring(a + 1, b));
            };
            String tag = line.substring(b + 1, c);
            String text = line.substring(c + 1);
            if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            return new LogRecord(time, stream, text.getBytes(StandardCharsets.UTF_8), tag.startsWith("P"));
        } catch (DateTimeParseException e) {
            throw OverseerException.invalidArgument("log line: bad timestamp \"%s\"", line.substring(0, a));
        }
    }
}
