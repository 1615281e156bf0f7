package overseer.oci;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The command lines {@link Program} runs while this is open, from its DEBUG log (java.util.logging's FINE). */
final class RuntimeRuns implements AutoCloseable {
    private final Logger logger = Logger.getLogger(Program.class.getName());
    private final Level before = logger.getLevel();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            commands.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    RuntimeRuns() {
        handler.setLevel(Level.FINE);
        logger.addHandler(handler);
        logger.setLevel(Level.FINE);
    }

    List<String> commands() {
        return List.copyOf(commands);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(before);
    }
}
