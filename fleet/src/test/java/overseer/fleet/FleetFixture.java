package overseer.fleet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import overseer.linux.NativeRuntime;
import overseer.server.Daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real nats-server processes and real in-process daemons joined to one fleet; everything is stopped after
 * each test, failed or not, nodes first so that no daemon's job outlives it.
 */
abstract class FleetFixture {
    static final String FLEET = "t";
    /** Short, so that a dead node's commands come back within a test's patience. */
    static final Duration ACK_WAIT = Duration.ofSeconds(3);

    @TempDir
    Path dir;
    NatsServers nats;
    FleetClient client;
    final List<FleetNode> nodes = new ArrayList<>();
    final List<Daemon> daemons = new ArrayList<>();

    /** One server unless a test class says three. */
    NatsServers servers(Path at) throws IOException {
        return NatsServers.single(at);
    }

    int replicas() {
        return 1;
    }

    @BeforeEach
    void startNats() throws IOException {
        Assumptions.assumeTrue(NatsServers.installed(), "nats-server is not installed (apt-get install nats-server)");
        nats = servers(dir.resolve("nats"));
        client = FleetClient.connect(nats.urls(), FLEET, replicas(), ACK_WAIT, FleetConfig.DEFAULT_MAX_DELIVER);
    }

    @AfterEach
    void stopAll() {
        nodes.forEach(n -> quietly(n::close));
        daemons.forEach(d -> quietly(d::close));
        if (client != null) {
            quietly(client::close);
        }
        if (nats != null) {
            nats.close();
        }
    }

    FleetConfig config(String node, int slots, String... tags) {
        return FleetConfig.of(nats.urls(), FLEET, node, slots).withTags(List.of(tags)).withAckWait(ACK_WAIT)
                .withHeartbeat(Duration.ofMillis(500)).withReplicas(replicas());
    }

    /** A daemon of its own (state, socket) joined to the fleet as {@code node}. */
    FleetNode node(String node, int slots, String... tags) {
        Daemon d = new Daemon(new NativeRuntime(), dir.resolve("run-" + node + "/overseer.sock"),
                dir.resolve("state-" + node), true);
        daemons.add(d);
        FleetNode n = FleetNode.join(d.supervisor(), config(node, slots, tags), d.socket());
        nodes.add(n);
        return n;
    }

    static String sleep(String id, String seconds) {
        return "{\"id\": \"" + id + "\", \"command\": \"core.system\", \"arguments\": {\"name\": \"/bin/sleep\", \"args\": [\""
                + seconds + "\"]}}";
    }

    static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            System.err.println("cleanup: " + e);
        }
    }
}
