package overseer.bench;

/** A peer in the spawn comparison: something that can be timed spawning /bin/true. */
interface Contender extends AutoCloseable {
    String name();

    /** Runs untimed spawns so that class loading and JIT compilation are out of the figures. */
    void warmUp(int spawns, int callers) throws Exception;

    /** Spawns and waits for {@code spawns} processes, split evenly over {@code callers} threads. */
    Sample run(int spawns, int callers) throws Exception;

    @Override
    void close();
}
