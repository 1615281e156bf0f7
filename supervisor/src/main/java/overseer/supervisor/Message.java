package overseer.supervisor;

/**
 * One message of a job's output, after 0-core's level protocol: a line "N::text" has level N, a block
 * opened by "N:::first line" and closed by a line ":::" is one message of level N, any other line has the
 * level of its stream (1 stdout, 2 stderr).
 *
 * @param level the level (1 stdout, 2 stderr, 9 critical, 10 stats, 20..23 and 30 results, ...)
 * @param text  the text without the level prefix
 * @param epoch when it was read, ns since the epoch
 */
public record Message(int level, String text, long epoch) {
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int CRITICAL = 9;
    public static final int STATS = 10;

    /** Levels whose message is the job's result data (JSON, YAML, TOML, HRD, job). */
    public static boolean isResult(int level) {
        return (level >= 20 && level <= 23) || level == 30;
    }
}
