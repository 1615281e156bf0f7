package overseer.core;

/**
 * How captured output is cut into records (Lambda's managed logging formats).
 */
public enum Framing {
    /** A record per line; a line longer than the record limit is cut into partial records. */
    LINE,
    /** Length-delimited records: a 4-byte big-endian length, then that many bytes. */
    MESSAGE,
    /**
     * Bytes as they are read, one partial record per read: for a terminal, whose prompt ends no line.
     */
    RAW
}
