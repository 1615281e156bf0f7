package overseer.supervisor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a job ended with, 0-core's JobResult field for field.
 *
 * @param id        the job id
 * @param command   the command name ("core.system")
 * @param data      the result: a level 20..23/30 message of the process, a built-in's return value as JSON,
 *                  or the reason the job could not run
 * @param streams   the last lines of stdout and of stderr, each joined with newlines
 * @param critical  the last level 9 (critical) message, or a built-in's failure
 * @param level     the level of {@code data}
 * @param state     how it ended
 * @param code      0-core's code: 0 when the process exited 0, 1000 + its exit status when it exited non-zero
 *                  (exit 3 is 1003), 999 when a signal killed it (1000 + Go's -1); or the manager's or a
 *                  built-in's HTTP-like error code (400, 404 for a program that is not there, 500, ...)
 * @param starttime when the job started, ms since the epoch
 * @param time      how long it ran, ms
 * @param tags      the command's tags
 * @param container the container the job ran in: always 0, a host job (0-core's field, kept on the wire)
 * @param cause     why a run never started (its process could not be made, created or started), with the
 *                  error's kind: a caller such as {@code overseer run} tells a host that cannot (UNAVAILABLE)
 *                  from a bad request (INVALID_ARGUMENT), which {@code code} (400 for both, as 0-core has it)
 *                  does not. Empty for a run that started. Not on 0-core's wire: a result read back from JSON
 *                  has none
 */
public record JobResult(String id, String command, String data, List<String> streams, String critical, int level,
                        JobState state, int code, long starttime, long time, List<String> tags, long container,
                        @JsonIgnore Optional<OverseerException> cause) {
    /** 0-core's code for a process killed by a signal: 1000 + the -1 Go's ExitStatus() gives then. */
    public static final int SIGNALED = 999;
    /** 0-core adds this to a non-zero exit status (base/pm/systemprocess.go). */
    public static final int EXIT_BASE = 1000;

    public JobResult {
        streams = List.copyOf(streams);
        tags = List.copyOf(tags);
        cause = cause == null ? Optional.empty() : cause; // none when read back from the wire
    }

    /** A result with 0-core's fields only: the wire's, or a run that started. */
    public JobResult(String id, String command, String data, List<String> streams, String critical, int level,
                     JobState state, int code, long starttime, long time, List<String> tags, long container) {
        this(id, command, data, streams, critical, level, state, code, starttime, time, tags, container, Optional.empty());
    }

    /** The kind of the error that kept the run from starting; empty for a run that started. */
    public Optional<ErrorKind> errorKind() {
        return cause.map(OverseerException::kind);
    }

    /** This result in another state, everything else kept. */
    JobResult withState(JobState s) {
        return new JobResult(id, command, data, streams, critical, level, s, code, starttime, time, tags, container, cause);
    }

    /** A result for a command that never ran (UNKNOWN_CMD, DUPILICATE_ID, killed in its queue). */
    static JobResult notRun(Command cmd, JobState state, String data, int code) {
        return new JobResult(cmd.id(), cmd.command(), data, List.of("", ""), "", 0, state, code,
                System.currentTimeMillis(), 0, cmd.tags(), 0);
    }

    /** An ERROR result for a run that could not start because of {@code why}; its message is the data. */
    static JobResult notStarted(Command cmd, OverseerException why, int code) {
        Objects.requireNonNull(why, "why");
        return new JobResult(cmd.id(), cmd.command(), why.getMessage(), List.of("", ""), "", 0, JobState.ERROR, code,
                System.currentTimeMillis(), 0, cmd.tags(), 0, Optional.of(why));
    }

    /**
     * How the job ended, in a few words ("exit status 1: disk full", "could not start: args[0]: ...",
     * "timed out"): a slice's reason for a failed service.
     */
    public String summary() {
        return switch (state) {
            case SUCCESS -> "exited successfully";
            case ERROR -> cause.isPresent() || (time == 0 && !data.isEmpty()) ? "could not start: " + data
                    : exitWords() + (critical.isEmpty() ? "" : ": " + critical);
            case TIMEOUT -> "timed out";
            case KILLED -> "killed";
            case UNKNOWN_CMD, DUPILICATE_ID -> data;
        };
    }

    /** A process's end from its 0-core code (1000 + status, 999 for a signal), as Go words an exit. */
    private String exitWords() {
        if (code == SIGNALED) {
            return "killed by a signal";
        }
        return "exit status " + (code > EXIT_BASE ? code - EXIT_BASE : code);
    }

    /** 0-core's code for a process's exit: 0, 1000 + status, or 999 for a signal (base/pm/systemprocess.go). */
    public static int code(overseer.core.Exit exit) {
        if (exit.success()) {
            return 0;
        }
        return exit.signal().isPresent() ? SIGNALED : EXIT_BASE + exit.exitCode();
    }
}
