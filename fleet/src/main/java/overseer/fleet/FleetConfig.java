package overseer.fleet;

import overseer.core.OverseerException;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * How a daemon joins a fleet.
 *
 * @param servers    the NATS servers, {@code nats://HOST:PORT} each; the client fails over between them
 * @param name       the fleet: the stream is {@code OVERSEER_<name>}, subjects {@code overseer.<name>.…}
 * @param node       this node's name, unique in the fleet: heartbeats, attempts and {@code node} selectors use it
 * @param slots      commands this node runs at once; it fetches only when one is free
 * @param tags       labels a command's {@code "node": "tag:LABEL"} selector may ask for
 * @param ackWait    how long a delivered command may go without an ack or in-progress ack before it is
 *                   redelivered: the time a dead node's work waits before a survivor takes it
 * @param maxDeliver how many times one command is delivered at most (JetStream's MaxDeliver)
 * @param heartbeat  how often the node writes its heartbeat
 * @param replicas   JetStream replicas of the stream and buckets this node creates when they are missing (1 or 3)
 */
public record FleetConfig(List<String> servers, String name, String node, int slots, List<String> tags,
                          Duration ackWait, int maxDeliver, Duration heartbeat, int replicas) {
    public static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_DELIVER = 5;

    public FleetConfig {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw OverseerException.invalidField("--fleet", "name at least one server, nats://HOST:PORT");
        }
        for (String s : servers) {
            URI u;
            try {
                u = URI.create(s);
            } catch (IllegalArgumentException e) {
                throw OverseerException.invalidField("--fleet", "\"%s\" is not a URL: %s", s, e.getMessage());
            }
            if (!"nats".equals(u.getScheme()) || u.getHost() == null || u.getPort() <= 0) {
                throw OverseerException.invalidField("--fleet", "expected nats://HOST:PORT, got \"%s\"", s);
            }
        }
        Subjects.token("--fleet-name", name);
        Subjects.token("--node", node);
        if (slots < 1 || slots > 10_000) {
            throw OverseerException.invalidField("--fleet-slots", "%d is out of range 1..10000", slots);
        }
        tags = List.copyOf(tags);
        tags.forEach(t -> Subjects.token("--fleet-tags", t));
        if (ackWait.compareTo(Duration.ofSeconds(1)) < 0) {
            throw OverseerException.invalidArgument("ack wait: %s is shorter than one second", ackWait);
        }
        if (maxDeliver < 1) {
            throw OverseerException.invalidArgument("max deliver: %d is not at least 1", maxDeliver);
        }
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw OverseerException.invalidField("heartbeat", "%s is not positive", heartbeat);
        }
        if (replicas != 1 && replicas != 3) {
            throw OverseerException.invalidField("replicas", "%d is neither 1 nor 3", replicas);
        }
    }

    /** A node with the defaults: AckWait 30 s, MaxDeliver 5, a heartbeat every 2 s, one replica. */
    public static FleetConfig of(List<String> servers, String name, String node, int slots) {
        return new FleetConfig(servers, name, node, slots, List.of(), DEFAULT_ACK_WAIT, DEFAULT_MAX_DELIVER,
                Duration.ofSeconds(2), 1);
    }

    public FleetConfig withTags(List<String> newTags) {
        return new FleetConfig(servers, name, node, slots, newTags, ackWait, maxDeliver, heartbeat, replicas);
    }

    public FleetConfig withAckWait(Duration d) {
        return new FleetConfig(servers, name, node, slots, tags, d, maxDeliver, heartbeat, replicas);
    }

    public FleetConfig withMaxDeliver(int n) {
        return new FleetConfig(servers, name, node, slots, tags, ackWait, n, heartbeat, replicas);
    }

    public FleetConfig withHeartbeat(Duration d) {
        return new FleetConfig(servers, name, node, slots, tags, ackWait, maxDeliver, d, replicas);
    }

    public FleetConfig withReplicas(int r) {
        return new FleetConfig(servers, name, node, slots, tags, ackWait, maxDeliver, heartbeat, r);
    }
}
