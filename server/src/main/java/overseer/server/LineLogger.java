package overseer.server;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

import java.time.Instant;
import java.util.List;

/**
 * One named SLF4J logger writing {@link DaemonLog}'s lines. The fluent API's key-value pairs
 * ({@code atInfo().addKeyValue("id", id)}) become the line's fields, in the order they were added.
 */
final class LineLogger extends LegacyAbstractLogger implements LoggingEventAware {
    LineLogger(String name) {
        this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
        return DaemonLog.enabled(name, Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return DaemonLog.enabled(name, Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return DaemonLog.enabled(name, Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return DaemonLog.enabled(name, Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return DaemonLog.enabled(name, Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable error) {
        DaemonLog.write(Instant.now(), level, name, MessageFormatter.basicArrayFormat(pattern, args), List.of(), error);
    }

    @Override
    public void log(LoggingEvent e) {
        if (!DaemonLog.enabled(name, e.getLevel())) {
            return;
        }
        Object[] args = e.getArgumentArray();
        String msg = args == null || args.length == 0 ? e.getMessage() : MessageFormatter.basicArrayFormat(e.getMessage(), args);
        Instant at = e.getTimeStamp() > 0 ? Instant.ofEpochMilli(e.getTimeStamp()) : Instant.now();
        DaemonLog.write(at, e.getLevel(), name, msg, e.getKeyValuePairs() == null ? List.of() : e.getKeyValuePairs(),
                e.getThrowable());
    }
}
