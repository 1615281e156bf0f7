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
 * @param code      the exit code of the process (128 + signal), or a built-in's error code (400, 404, ...)
 * @param starttime when the job started, ms since the epoch
 * @param time      how long it ran, ms
 * @param tags      the command's tags
 */
public record JobResult(String id, String command, String data, List<String> streams, String critical, int level,
                        JobState state, int code, long starttime, long time, List<String> tags) {
    public JobResult {
        streams = List.copyOf(streams);
        tags = List.copyOf(tags);
    }

    /** A result for a command that never ran (UNKNOWN_CMD, DUPLICATE_ID, a spawn failure). */
    static JobResult notRun(Command cmd, JobState state, String data, int code) {
        return new JobResult(cmd.id(), cmd.command(), data, List.of("", ""), "", 0, state, code,
                System.currentTimeMillis(), 0, cmd.tags());
    }
}
