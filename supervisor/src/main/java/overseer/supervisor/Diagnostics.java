package overseer.supervisor;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * vic's session diagnostics: how many times the job's process was started again, and a bounded log of its
 * exits. An entry is written every time a run of the job ends, whatever the reason, before the decision to
 * restart is acted on; the message says what happens next.
 */
public final class Diagnostics {
    /** One end of a run. {@code exitCode} is -1 when there was no process (a built-in, a spawn failure). */
    public record ExitLogEntry(Instant time, JobState state, int exitCode, Optional<String> signal, boolean oomKilled,
                               String message) {
    }

    private final int capacity;
    private final ArrayDeque<ExitLogEntry> exitLog = new ArrayDeque<>();
    private int resurrections;

    Diagnostics(int capacity) {
        this.capacity = capacity;
    }

    synchronized void exited(ExitLogEntry entry) {
        if (exitLog.size() == capacity) {
            exitLog.poll();
        }
        exitLog.add(entry);
    }

    synchronized void resurrected() {
        resurrections++;
    }

    /** A job taken back after a restart goes on counting from what the earlier supervisor counted. */
    synchronized void resurrected(int earlier) {
        resurrections += earlier;
    }

    /** How many times the process was started again after an end (restarts and recurring runs). */
    public synchronized int resurrectionCount() {
        return resurrections;
    }

    public synchronized List<ExitLogEntry> exitLog() {
        return List.copyOf(exitLog);
    }
}
