package overseer.core;

/**
 * 0-core's ProcessStats for one process, read from /proc.
 *
 * @param pid  the process
 * @param cpu  CPU use in percent of one core since the previous sample (or since the process started)
 * @param rss  resident memory, bytes
 * @param vms  virtual memory, bytes
 * @param swap swapped-out memory, bytes
 */
public record ProcessStats(long pid, double cpu, long rss, long vms, long swap) {
}
