package overseer.supervisor;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * 0-core's runner hooks: code called at points of a job's life. Hooks run on the job's hook thread, in
 * order, never on the thread reading the output; a hook that throws is logged and does not affect the job.
 */
public sealed interface JobHook {
    /** Runs {@code delay} after each start of the process, if it is still running then. */
    record Delay(Duration delay, Runnable action) implements JobHook {
        public Delay {
            overseer.core.internal.Durations.requireNonNegative("hook.delay", delay);
            Objects.requireNonNull(action, "action");
        }
    }

    /** Runs once, when the job has ended for good, with its final state. */
    record Exit(Consumer<JobState> action) implements JobHook {
    }

    /** Runs on the first message of each run that matches {@code pattern} (a find, not a full match). */
    record Match(Pattern pattern, Consumer<Message> action) implements JobHook {
    }

    /** Runs with the pid each time the process starts. */
    record Pid(LongConsumer action) implements JobHook {
    }

    /**
     * Every output record of every run, raw (before the level protocol), on the thread that reads the output:
     * keep it quick. For a caller that shows the output as it comes, such as {@code overseer run}.
     */
    record Output(overseer.core.LogSink sink) implements JobHook {
    }

    /**
     * Every run's output bytes exactly as they were read, before framing, on the thread that reads them: for
     * a caller that passes the output on unchanged, such as {@code overseer run} to its own stdout. No record
     * is made for it.
     */
    record Bytes(overseer.core.ByteSink sink) implements JobHook {
    }

    /** Captures the whole output of every run (0-core's StreamHook), without the tail's bound. */
    final class Stream implements JobHook {
        private final StringBuilder stdout = new StringBuilder();
        private final StringBuilder stderr = new StringBuilder();

        synchronized void message(Message m) {
            StringBuilder to = m.level() == Message.STDERR ? stderr : stdout;
            to.append(m.text()).append('\n');
        }

        public synchronized String stdout() {
            return stdout.toString();
        }

        public synchronized String stderr() {
            return stderr.toString();
        }
    }

    static Match match(String regex, Consumer<Message> action) {
        return new Match(Patterns.compile("hook.match", regex), action);
    }
}
