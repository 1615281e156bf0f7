package overseer.bench;

/**
 * One timed run of a peer.
 *
 * @param callers      how many threads spawned at once (1: sequential)
 * @param spawns       processes spawned and waited for
 * @param elapsedNanos wall time of the whole run
 * @param callNanos    the callers' per-spawn latencies, summed
 */
record Sample(int callers, int spawns, long elapsedNanos, long callNanos) {
    double perSecond() {
        return spawns * 1e9 / elapsedNanos;
    }

    /** What one caller waits for one process, on average: with several callers this exceeds 1/rate. */
    double meanMicros() {
        return callNanos / 1e3 / spawns;
    }
}
