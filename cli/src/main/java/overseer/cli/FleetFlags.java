package overseer.cli;

import overseer.core.OverseerException;
import overseer.fleet.FleetConfig;
import overseer.fleet.FleetNode;
import overseer.supervisor.Supervisor;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** {@code overseer daemon}'s fleet flags (docs/fleet.md): with {@code --fleet}, the daemon joins a fleet. */
final class FleetFlags {
    @Option(names = "--fleet", paramLabel = "nats://HOST:PORT[,…]",
            description = "Join a fleet: take commands from its NATS JetStream stream (docs/fleet.md).")
    String fleet;

    @Option(names = "--fleet-name", paramLabel = "NAME", defaultValue = "default",
            description = "The fleet's name: stream OVERSEER_<NAME>, subjects overseer.<NAME>.… (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--node", paramLabel = "NODE", description = "This node's name in the fleet (default: the host name).")
    String node;

    @Option(names = "--fleet-slots", paramLabel = "N", defaultValue = "4",
            description = "Fleet commands this node runs at once (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--fleet-tags", paramLabel = "TAG[,…]", split = ",",
            description = "Labels a command's \"node\": \"tag:TAG\" selector may ask for.")
    List<String> tags = List.of();

    @Option(names = "--fleet-ack-wait", paramLabel = "SECONDS", defaultValue = "30",
            description = "Seconds a silent node's commands wait before they are redelivered (default: ${DEFAULT-VALUE}).")
    int ackWait;

    @Option(names = "--fleet-replicas", paramLabel = "1|3", defaultValue = "1",
            description = "JetStream replicas of the stream and buckets, if this node creates them (default: ${DEFAULT-VALUE}).")
    int replicas;

    /** The fleet node, or nothing to close when no --fleet was given. */
    AutoCloseable join(Supervisor supervisor, java.nio.file.Path daemonSocket) {
        if (fleet == null) {
            return () -> { };
        }
        FleetConfig c = config();
        FleetNode n = FleetNode.join(supervisor, c, daemonSocket);
        System.err.println("overseer daemon: node " + c.node() + " of fleet " + c.name() + " on " + fleet
                + " (" + c.slots() + " slots)");
        return n;
    }

    FleetConfig config() {
        if (ackWait < 1) {
            throw OverseerException.invalidField("--fleet-ack-wait", "%d is not at least 1 second", ackWait);
        }
        String me = node != null ? node : hostName();
        return FleetConfig.of(servers(fleet), name, me, slots).withTags(tags).withAckWait(Duration.ofSeconds(ackWait))
                .withReplicas(replicas);
    }

    static List<String> servers(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_-]", "-");
        } catch (java.io.IOException e) {
            throw OverseerException.invalidField("--node", "no host name to default to (%s); give one", e.getMessage());
        }
    }
}
