package overseer.fleet;

import overseer.core.Identifiers;
import overseer.core.OverseerException;
import overseer.supervisor.Command;
import overseer.supervisor.Commands;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A command for the fleet: 0-core's Command JSON (what {@code /v1/jobs} takes) with one more, optional field,
 * {@code "node"}: a selector naming the node that must run it ({@code "n2"}), or a label it must carry
 * ({@code "tag:gpu"}). 0-core's own {@code tags} stay what they are there, labels copied to the result: making
 * them a placement would strand every command tagged for bookkeeping.
 *
 * <p>Instead of a Command it may carry a task spec, what {@code POST /v1/tasks} takes:
 * {@code {"id": "t1", "task": {"process": {"args": [...]}, ...}, "queue": "", "node": ""}}; the node creates it
 * through its daemon's API in namespace {@value #TASK_NAMESPACE}, starts it, waits for its exit and deletes it.
 * It is carried as a Command of kind {@value #TASK} whose arguments are the spec.
 *
 * @param command  the command; its id is the fleet-wide de-duplication key and the results' key
 * @param selector "" for any node, a node name, or {@code tag:LABEL}
 */
public record Submission(Command command, String selector) {
    public static final String TAG = "tag:";
    /** The command kind a task spec travels as. */
    public static final String TASK = "fleet.task";
    /** Where a node's daemon keeps the fleet's tasks. */
    public static final String TASK_NAMESPACE = "fleet";

    public Submission {
        Identifiers.require("id", command.id());
        if (command.id().endsWith(".")) {
            throw OverseerException.invalidField("id", "\"%s\" must not end with '.' (it is a key-value key)", command.id());
        }
        selector = selector == null ? "" : selector;
        if (selector.startsWith(TAG)) {
            Subjects.token("node", selector.substring(TAG.length()));
        } else if (!selector.isEmpty()) {
            Subjects.token("node", selector);
        }
        if (!command.queue().isEmpty()) {
            Subjects.token("queue", command.queue());
            if (!selector.isEmpty()) {
                throw OverseerException.invalidField("node", "\"%s\" cannot be combined with queue \"%s\": a queue is served by every node, in order",
                        selector, command.queue());
            }
        }
    }

    /** Parses the fleet's JSON; a missing or empty id is given a UUID, as the supervisor gives one. */
    public static Submission parse(String json) {
        JsonNode root;
        try {
            root = FleetJson.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw OverseerException.invalidField("command", "not valid JSON: %s", e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw OverseerException.invalidField("command", "expected a JSON object");
        }
        ObjectNode o = (ObjectNode) root;
        JsonNode node = o.remove("node");
        if (node != null && !node.isNull() && !node.isString()) {
            throw OverseerException.invalidField("node", "expected a string, got %s", node);
        }
        JsonNode task = o.remove("task");
        Command c;
        if (task != null) {
            if (!task.isObject()) {
                throw OverseerException.invalidField("task", "expected a task spec object, got %s", task);
            }
            for (var f : o.properties()) {
                if (!java.util.Set.of("id", "queue").contains(f.getKey())) {
                    throw OverseerException.invalidArgument("%s: not a field of a task submission (id, task, queue, node)", f.getKey());
                }
            }
            ((ObjectNode) task).remove("id"); // the submission's id is the task's
            c = Command.builder(TASK).id(o.path("id").asString("")).arguments(task).queue(o.path("queue").asString(""))
                    .build();
        } else {
            c = Commands.parse(FleetJson.MAPPER.writeValueAsString(o));
        }
        if (c.id().isEmpty()) {
            c = c.withId(java.util.UUID.randomUUID().toString());
        }
        return new Submission(c, node == null || node.isNull() ? "" : node.asString());
    }

    public String toJson() {
        ObjectNode o;
        if (command.command().equals(TASK)) {
            o = FleetJson.MAPPER.createObjectNode();
            o.put("id", command.id());
            o.set("task", command.arguments());
            o.put("queue", command.queue());
        } else {
            o = (ObjectNode) FleetJson.MAPPER.readTree(Commands.toJson(command));
        }
        if (!selector.isEmpty()) {
            o.put("node", selector);
        }
        return FleetJson.MAPPER.writeValueAsString(o);
    }

    /** The subject it is published to, which is its placement. */
    String subject(String fleet) {
        if (!command.queue().isEmpty()) {
            return Subjects.queue(fleet, command.queue());
        }
        if (selector.startsWith(TAG)) {
            return Subjects.tag(fleet, selector.substring(TAG.length()));
        }
        return selector.isEmpty() ? Subjects.any(fleet) : Subjects.node(fleet, selector);
    }
}
