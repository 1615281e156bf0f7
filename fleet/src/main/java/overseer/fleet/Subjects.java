package overseer.fleet;

import overseer.core.OverseerException;

import java.util.regex.Pattern;

/**
 * The names a fleet uses on NATS. Every placement has its own subject under {@code commands.}, so that each
 * has its own consumer: a work-queue stream allows no two consumers with overlapping filters, and a node
 * then pulls only from the consumers it may serve instead of taking and refusing others' commands.
 */
final class Subjects {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Subjects() {
    }

    /** Fleet, node, queue and tag names become subject tokens and consumer names: no dots, no wildcards. */
    static String token(String field, String value) {
        if (value == null || !TOKEN.matcher(value).matches()) {
            throw OverseerException.invalidField(field, "\"%s\" must be 1 to 64 letters, digits, '_' or '-' (it becomes a NATS subject token)", value);
        }
        return value;
    }

    static String stream(String fleet) {
        return "OVERSEER_" + fleet;
    }

    static String commands(String fleet) {
        return "overseer." + fleet + ".commands.>";
    }

    /** Commands any node may run. */
    static String any(String fleet) {
        return "overseer." + fleet + ".commands.any";
    }

    static String queue(String fleet, String queue) {
        return "overseer." + fleet + ".commands.queue." + queue;
    }

    static String node(String fleet, String node) {
        return "overseer." + fleet + ".commands.node." + node;
    }

    static String tag(String fleet, String tag) {
        return "overseer." + fleet + ".commands.tag." + tag;
    }

    static String results(String fleet, String id) {
        return "overseer." + fleet + ".results." + id;
    }

    static String allResults(String fleet) {
        return "overseer." + fleet + ".results.>";
    }

    /** Published by a submitter once JetStream has stored a command: idle nodes fetch at once. */
    static String wake(String fleet) {
        return "overseer." + fleet + ".wake";
    }

    static String events(String fleet, String node) {
        return "overseer." + fleet + ".events." + node;
    }

    static String resultsBucket(String fleet) {
        return "overseer-" + fleet + "-results";
    }

    static String nodesBucket(String fleet) {
        return "overseer-" + fleet + "-nodes";
    }

    /** The durable consumer that serves a subject: one per placement, shared by every node that may serve it. */
    static String consumer(String kind, String value) {
        return kind + "-" + value;
    }

    static final String ANY_CONSUMER = "any";
    static final String QUEUE_PREFIX = "queue-";
}
