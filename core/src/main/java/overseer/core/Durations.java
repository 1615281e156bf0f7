package overseer.core;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks on durations given by callers. */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    private Durations() {
    }

    /** "500ms", "2s", "1m", "1h"; a leading '-' gives "must not be negative". */
    public static Duration parse(String field, String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("-") && DURATION.matcher(t.substring(1)).matches()) {
            throw OverseerException.invalidField(field, "must not be negative, got \"%s\"", text);
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw OverseerException.invalidField(field, "expected a duration such as 500ms, 2s, 1m or 1h, got \"%s\"", text);
        }
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            case "m" -> Duration.ofMinutes(v);
            default -> Duration.ofHours(v);
        };
    }

    public static Duration requireNonNegative(String field, Duration d) {
        if (d == null) {
            throw OverseerException.invalidField(field, "must be given");
        }
        if (d.isNegative()) {
            throw OverseerException.invalidField(field, "must not be negative, got %s", d);
        }
        return d;
    }
}
