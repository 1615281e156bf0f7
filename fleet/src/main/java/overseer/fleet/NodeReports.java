package overseer.fleet;

import io.nats.client.JetStreamApiException;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What a {@link FleetNode} tells the fleet about itself: its heartbeat, its commands' events, its tasks' events. */
final class NodeReports {
    private static final System.Logger LOG = System.getLogger(FleetNode.class.getName());

    private final Fleet fleet;
    private final FleetConfig config;
    private final String host = hostName();

    NodeReports(Fleet fleet, FleetConfig config) {
        this.fleet = fleet;
        this.config = config;
    }

    /** A command's event (started, ended) on this node's events subject; one not published is only logged. */
    void event(String type, String id, long delivery, String state) {
        var o = FleetJson.MAPPER.createObjectNode();
        o.put("type", type);
        o.put("id", id);
        o.put("node", config.node());
        o.put("delivery", delivery);
        o.put("state", state);
        o.put("at", System.currentTimeMillis());
        try {
            fleet.nc.publish(Subjects.events(config.name(), config.node()), FleetJson.MAPPER.writeValueAsBytes(o));
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "fleet: event not published", e);
        }
    }

    /** Until {@code closing}: the daemon's task events, from {@code taskEvents}, to the fleet's events subject. */
    void forwardTaskEvents(overseer.core.Subscription taskEvents, BooleanSupplier closing) {
        while (!closing.getAsBoolean()) {
            try {
                taskEvents.poll(FleetNode.IDLE).ifPresent(e -> {
                    var o = FleetJson.MAPPER.createObjectNode();
                    o.put("type", "task");
                    o.put("node", config.node());
                    o.put("topic", e.topic());
                    o.put("namespace", e.namespace());
                    o.put("sequence", e.sequence());
                    o.put("at", e.timestamp().toEpochMilli());
                    try {
                        o.set("event", FleetJson.MAPPER.valueToTree(e.event()));
                    } catch (RuntimeException notJson) {
                        o.put("event", e.event().toString());
                    }
                    fleet.nc.publish(Subjects.events(config.name(), config.node()), FleetJson.MAPPER.writeValueAsBytes(o));
                });
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "fleet: task event not published", e);
            }
        }
    }

    /** This node's heartbeat in the nodes bucket, with the commands it runs now. */
    void heartbeat(List<String> running) {
        Heartbeat h = new Heartbeat(config.node(), host, ProcessHandle.current().pid(), config.tags(), config.slots(),
                running, System.currentTimeMillis());
        try {
            fleet.nodes.put(config.node(), FleetJson.MAPPER.writeValueAsBytes(h));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.log(Level.DEBUG, "fleet: heartbeat not written", e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Removes this node's heartbeat, as it leaves. */
    void removeHeartbeat() {
        try {
            fleet.nodes.delete(config.node());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            LOG.log(Level.DEBUG, "fleet: heartbeat not removed", e);
        }
    }
}
