package overseer.supervisor;

import java.util.List;

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
 */
public record JobResult(String id, String command, String data, List<String> streams, String critical, int level,
                        JobState state, int code, long starttime, long time, List<String> tags, long container) {
    /** 0-core's code for a process killed by a signal: 1000 + the -1 Go's ExitStatus() gives then. */
    public static final int SIGNALED = 999;
    /** 0-core adds this to a non-zero exit status (base/pm/systemprocess.go). */
    public static final int EXIT_BASE = 1000;

    public JobResult {
        streams = List.copyOf(streams);
        tags = List.copyOf(tags);
    }

    /** A result for a command that never ran (UNKNOWN_CMD, DUPILICATE_ID, a spawn failure). */
    static JobResult notRun(Command cmd, JobState state, String data, int code) {
        return new JobResult(cmd.id(), cmd.command(), data, List.of("", ""), "", 0, state, code,
                System.currentTimeMillis(), 0, cmd.tags(), 0);
    }

    /** 0-core's code for a process's exit: 0, 1000 + status, or 999 for a signal (base/pm/systemprocess.go). */
    public static int code(overseer.core.Exit exit) {
        if (exit.success()) {
            return 0;
        }
        return exit.signal().isPresent() ? SIGNALED : EXIT_BASE + exit.exitCode();
    }
}
