package overseer.core;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes written as docker writes them: a number and an optional binary unit, b, k, m or g (64m, 1.5g, 512kb). */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmg]?)b?", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** Bytes; INVALID_ARGUMENT naming {@code flag} when {@code text} is not a size. */
    public static long parse(String flag, String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw OverseerException.invalidField(flag, "expected a size such as 64m (units b, k, m, g), got \"%s\"", text);
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw OverseerException.invalidField(flag, "\"%s\" is too large", text);
        }
        return bytes.longValue();
    }
}
