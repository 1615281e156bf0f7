package overseer.server;

import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * java.util.logging into the daemon's log: what Helidon and the JDK log (System.Logger is java.util.logging
 * here) becomes one line of the same format instead of the console handler's two. Installed on the root
 * logger in place of its handlers; handlers of other loggers (the API's watchdog listens to Helidon's) stay.
 */
final class JulBridge extends Handler {
    /** Held: java.util.logging keeps loggers weakly, and a collected root would take its handler along. */
    private static final Logger ROOT = LogManager.getLogManager().getLogger("");
    /** Only its formatMessage is used: the record's parameters and resource bundle, no layout of its own. */
    private static final java.util.logging.Formatter MESSAGES = new java.util.logging.SimpleFormatter();

    static synchronized void install(Level level) {
        for (Handler h : ROOT.getHandlers()) {
            ROOT.removeHandler(h);
        }
        ROOT.addHandler(new JulBridge());
        // JUL decides first, cheaply: nothing below the level is even made into a record.
        ROOT.setLevel(switch (level) {
            case TRACE -> java.util.logging.Level.FINEST;
            case DEBUG -> java.util.logging.Level.FINE;
            case INFO -> java.util.logging.Level.INFO;
            case WARN -> java.util.logging.Level.WARNING;
            case ERROR -> java.util.logging.Level.SEVERE;
        });
    }

    @Override
    public void publish(LogRecord r) {
        String name = r.getLoggerName() == null ? "jul" : r.getLoggerName();
        int v = r.getLevel().intValue();
        Level level = v >= java.util.logging.Level.SEVERE.intValue() ? Level.ERROR
                : v >= java.util.logging.Level.WARNING.intValue() ? Level.WARN
                : v >= java.util.logging.Level.CONFIG.intValue() ? Level.INFO
                : v >= java.util.logging.Level.FINE.intValue() ? Level.DEBUG : Level.TRACE;
        if (!DaemonLog.enabled(name, level)) {
            return;
        }
        String msg;
        try {
            msg = MESSAGES.formatMessage(r);
        } catch (RuntimeException badPattern) {
            msg = String.valueOf(r.getMessage());
        }
        LoggerFactory.getLogger(name).atLevel(level).setCause(r.getThrown()).log(msg);
    }

    @Override
    public void flush() {
        System.err.flush();
    }

    @Override
    public void close() {
    }
}
