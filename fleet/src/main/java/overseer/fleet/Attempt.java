package overseer.fleet;

/**
 * One delivery of a command to a node.
 *
 * @param node      the node that ran it
 * @param delivery  JetStream's delivery count: 1 for the first, 2 for the first redelivery, ...
 * @param startedAt when the node started it, ms since the epoch
 * @param endedAt   when it ended there, ms since the epoch; 0 while it runs, or if the node died running it
 * @param state     {@code RUNNING}, or the JobState it ended with there
 */
public record Attempt(String node, long delivery, long startedAt, long endedAt, String state) {
    Attempt ended(long at, String endState) {
        return new Attempt(node, delivery, startedAt, at, endState);
    }
}
