package overseer.core;

import java.util.Locale;

/** The output stream a log record came from. */
public enum LogStream {
    STDOUT, STDERR;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
