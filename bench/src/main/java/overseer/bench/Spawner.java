package overseer.bench;

/**
 * One way of running {@code /bin/true} from the JVM and waiting for it. Implementations throw when the
 * process did not exit 0, so a peer that silently fails to run anything cannot look fast.
 */
interface Spawner extends AutoCloseable {
    void spawnAndWait() throws Exception;

    @Override
    default void close() {
    }
}
