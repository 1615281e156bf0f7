package overseer.fleet;

import overseer.core.OverseerException;
import overseer.supervisor.JobResult;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the fleet knows of one command, as kept in the results bucket under its id: 0-core's JobResult JSON
 * (once it ended) with {@code node}, the node whose run gave that result, and {@code attempts}, every delivery
 * that started it, in order. From its submit until a node starts it, {@code state} is {@code QUEUED}; while it
 * runs, {@code RUNNING}; there is no result yet in either.
 */
public record FleetResult(String id, String command, String state, String node, List<Attempt> attempts,
                          Optional<JobResult> result) {
    public static final String RUNNING = "RUNNING";
    public static final String QUEUED = "QUEUED";

    public FleetResult {
        attempts = List.copyOf(attempts);
    }

    public boolean ended() {
        return result.isPresent();
    }

    static FleetResult running(String id, String command, String node, List<Attempt> attempts) {
        return new FleetResult(id, command, RUNNING, node, attempts, Optional.empty());
    }

    static FleetResult queued(String id, String command) {
        return new FleetResult(id, command, QUEUED, "", List.of(), Optional.empty());
    }

    FleetResult withAttempt(Attempt a) {
        List<Attempt> all = new ArrayList<>(attempts);
        all.add(a);
        return new FleetResult(id, command, result.isPresent() ? state : RUNNING, a.node(), all, result);
    }

    /** The result of {@code node}'s run, its attempt closed; attempts other nodes recorded meanwhile are kept. */
    FleetResult ended(String byNode, long delivery, JobResult r) {
        List<Attempt> all = new ArrayList<>();
        for (Attempt a : attempts) {
            boolean mine = a.node().equals(byNode) && a.delivery() == delivery && a.endedAt() == 0;
            all.add(mine ? a.ended(r.starttime() + r.time(), r.state().name()) : a);
        }
        return new FleetResult(id, command, r.state().name(), byNode, all, Optional.of(r));
    }

    byte[] toJson() {
        ObjectNode o = result.map(r -> (ObjectNode) FleetJson.MAPPER.valueToTree(r))
                .orElseGet(() -> {
                    ObjectNode n = FleetJson.MAPPER.createObjectNode();
                    n.put("id", id);
                    n.put("command", command);
                    n.put("state", state);
                    return n;
                });
        o.put("node", node);
        o.set("attempts", FleetJson.MAPPER.valueToTree(attempts));
        return FleetJson.MAPPER.writeValueAsBytes(o);
    }

    public String json() {
        return new String(toJson(), java.nio.charset.StandardCharsets.UTF_8);
    }

    static FleetResult parse(byte[] json) {
        try {
            ObjectNode o = (ObjectNode) FleetJson.MAPPER.readTree(json);
            String node = o.path("node").asString("");
            List<Attempt> attempts = new ArrayList<>();
            for (JsonNode a : o.path("attempts")) {
                attempts.add(FleetJson.MAPPER.treeToValue(a, Attempt.class));
            }
            String state = o.path("state").asString("");
            String id = o.path("id").asString("");
            String command = o.path("command").asString("");
            if (RUNNING.equals(state) || QUEUED.equals(state)) {
                return new FleetResult(id, command, state, node, attempts, Optional.empty());
            }
            o.remove("node");
            o.remove("attempts");
            JobResult r = FleetJson.MAPPER.treeToValue(o, JobResult.class);
            return new FleetResult(id, command, state, node, attempts, Optional.of(r));
        } catch (JacksonException | ClassCastException e) {
            throw OverseerException.internal("results bucket: an entry is not a fleet result: " + e.getMessage(), e);
        }
    }
}
