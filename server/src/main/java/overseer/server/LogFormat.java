package overseer.server;

import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import overseer.core.OverseerException;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * How the daemon's log lines read: logfmt (the default: {@code key=value} pairs, greppable, what Heroku, Loki
 * and Grafana read) or one JSON object a line (what log shippers parse without a pattern). Both carry the same
 * fields in the same order: time, level, msg, the event's own fields, then logger (for lines not of the
 * lifecycle) and error (for a line with an exception).
 */
public enum LogFormat {
    LOGFMT, JSON;

    /** UTC with milliseconds, fixed width: lines sort and align as text. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /** {@code --log-format}'s value; anything else is refused naming the flag and the value. */
    public static LogFormat parse(String flag, String value) {
        return switch (value == null ? "" : value.strip().toLowerCase(Locale.ROOT)) {
            case "logfmt" -> LOGFMT;
            case "json" -> JSON;
            default -> throw OverseerException.invalidArgument("%s: expected logfmt or json, got \"%s\"", flag, value);
        };
    }

    /** One line, without its newline. A null {@code logger} is the lifecycle log's own. */
    String line(Instant at, Level level, String msg, List<KeyValuePair> fields, String logger, String error) {
        StringBuilder b = new StringBuilder(160);
        String word = level.name().toLowerCase(Locale.ROOT);
        if (this == LOGFMT) {
            b.append("time=").append(TIME.format(at)).append(" level=").append(word).append(" msg=");
            logfmt(b, msg);
            for (KeyValuePair kv : fields) {
                b.append(' ').append(kv.key).append('=');
                logfmt(b, kv.value);
            }
            if (logger != null) {
                b.append(" logger=");
                logfmt(b, logger);
            }
            if (error != null) {
                b.append(" error=");
                logfmt(b, error);
            }
            return b.toString();
        }
        b.append("{\"time\":\"").append(TIME.format(at)).append("\",\"level\":\"").append(word).append("\",\"msg\":");
        json(b, msg);
        for (KeyValuePair kv : fields) {
            b.append(',');
            json(b, kv.key);
            b.append(':');
            json(b, kv.value);
        }
        if (logger != null) {
            b.append(",\"logger\":");
            json(b, logger);
        }
        if (error != null) {
            b.append(",\"error\":");
            json(b, error);
        }
        return b.append('}').toString();
    }

    /** A logfmt value: bare when it can be, else quoted with \" \\ \n escapes; null and "" are nothing after '='. */
    private static void logfmt(StringBuilder b, Object value) {
        String v = value == null ? "" : String.valueOf(value);
        boolean bare = true;
        for (int i = 0; i < v.length() && bare; i++) {
            char c = v.charAt(i);
            bare = c > ' ' && c != '=' && c != '"' && c != '\\' && c != 0x7f;
        }
        if (bare) {
            b.append(v);
            return;
        }
        b.append('"');
        escaped(b, v);
        b.append('"');
    }

    /** A JSON value: numbers and booleans as themselves, null as null, anything else a string. */
    private static void json(StringBuilder b, Object value) {
        if (value == null) {
            b.append("null");
        } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long || value instanceof Short
                || (value instanceof Double d && Double.isFinite(d)) || (value instanceof Float f && Float.isFinite(f))) {
            b.append(value);
        } else {
            b.append('"');
            escaped(b, String.valueOf(value));
            b.append('"');
        }
    }

    /** The escapes both formats share (JSON's): quote, backslash, and control characters. */
    private static void escaped(StringBuilder b, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }
}
