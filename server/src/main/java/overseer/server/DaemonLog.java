package overseer.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import overseer.core.OverseerException;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The daemon's log on stderr, one line per event (docs/observability.md): its format and level, set once
 * the flags are read. Everything comes through SLF4J to {@link LineLogProvider}, the one binding, and what
 * Helidon and the JDK log through java.util.logging is brought there too ({@link JulBridge}), so that the
 * whole of stderr reads one way.
 */
public final class DaemonLog {
    /** The lifecycle log: its lines carry no logger field. */
    static final String LIFECYCLE = "overseer";
    private static volatile LogFormat format = LogFormat.LOGFMT;
    private static volatile Level level = Level.INFO;

    private DaemonLog() {
    }

    /** The lifecycle log's logger: task, service, recovery and daemon events. */
    static Logger lifecycle() {
        return LoggerFactory.getLogger(LIFECYCLE);
    }

    /**
     * Sets the format and level of every line from now on, and takes java.util.logging over: its console
     * handler (the two-line records) is replaced by the bridge into this log.
     */
    public static void configure(LogFormat f, Level l) {
        format = java.util.Objects.requireNonNull(f, "format");
        level = java.util.Objects.requireNonNull(l, "level");
        JulBridge.install(l);
    }

    /** {@code --log-level}'s value: trace, debug, info, warn or error; anything else refused naming the flag. */
    public static Level level(String flag, String value) {
        String v = value == null ? "" : value.strip().toUpperCase(Locale.ROOT);
        for (Level l : Level.values()) {
            if (l.name().equals(v)) {
                return l;
            }
        }
        throw OverseerException.invalidArgument("%s: expected trace, debug, info, warn or error, got \"%s\"", flag, value);
    }

    /**
     * Whether a line of {@code logger} at {@code at} is written. Overseer's own loggers follow the level; the
     * libraries' (Helidon's start-up chatter, the JDK's) only show from warn, unless the level asks for debug.
     */
    static boolean enabled(String logger, Level at) {
        Level threshold = level;
        if (!logger.startsWith(LIFECYCLE) && threshold.toInt() > Level.DEBUG.toInt() && threshold.toInt() < Level.WARN.toInt()) {
            threshold = Level.WARN;
        }
        return at.toInt() >= threshold.toInt();
    }

    /** Writes one line, whole: one print of the line and its newline, so that threads never interleave. */
    static void write(Instant at, Level l, String logger, String msg, List<KeyValuePair> fields, Throwable error) {
        String line = format.line(at, l, msg, fields, logger.equals(LIFECYCLE) ? null : logger, error == null ? null : text(error));
        System.err.print(line + "\n");
    }

    /** An exception as one value: its class and message, and its causes' (a stack trace would break the line). */
    private static String text(Throwable e) {
        StringBuilder b = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) {
            b.append("; caused by ").append(c);
        }
        return b.toString();
    }
}
