package overseer.supervisor;

/** How a job ended (0-core's JobState). */
public enum JobState {
    /** The process exited 0, or the built-in returned. */
    SUCCESS,
    /** The process exited non-zero or was killed by a signal nobody asked for; the built-in threw. */
    ERROR,
    /** max_time passed: the process group was SIGKILLed. */
    TIMEOUT,
    /** Stopped on request (Kill, Killall, shutdown). */
    KILLED,
    /** No command of that name is registered. */
    UNKNOWN_CMD,
    /**
     * A live job already has that id. Spelled as 0-core spells it on the wire (base/pm/result.go,
     * StateDuplicateID = "DUPILICATE_ID"): its clients compare the string.
     */
    DUPILICATE_ID
}
