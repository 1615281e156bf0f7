package overseer.supervisor;

import overseer.core.OverseerException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes commands and results as 0-core's JSON. Unknown fields, wrong types and bad values are
 * INVALID_ARGUMENT naming the field.
 */
public final class Commands {
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Set<String> FIELDS = Set.of("id", "command", "arguments", "queue", "stats_interval", "max_time",
            "max_restart", "recurring_period", "stream", "log_levels", "tags", "protected");

    private Commands() {
    }

    public static Command parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw OverseerException.invalidArgument("command: not valid JSON: %s", e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw OverseerException.invalidArgument("command: expected a JSON object");
        }
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (!FIELDS.contains(f.getKey())) {
                throw OverseerException.invalidArgument("%s: unknown field (known: %s)", f.getKey(),
                        String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        String id = text(root, "id", ""); // the fields are read in 0-core's order: the first wrong one is named
        return Command.builder(text(root, "command", null))
                .id(id)
                .arguments(root.get("arguments"))
                .queue(text(root, "queue", ""))
                .statsInterval(integer(root, "stats_interval"))
                .maxTime(integer(root, "max_time"))
                .maxRestart(integer(root, "max_restart"))
                .recurringPeriod(integer(root, "recurring_period"))
                .stream(bool(root, "stream"))
                .logLevels(list(root, "log_levels", n -> n.isIntegralNumber() && n.canConvertToInt(), JsonNode::asInt, "integers"))
                .tags(list(root, "tags", JsonNode::isString, JsonNode::asString, "strings"))
                .protect(bool(root, "protected"))
                .build();
    }

    public static String toJson(Command c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", c.id());
        o.put("command", c.command());
        o.set("arguments", c.arguments());
        o.put("queue", c.queue());
        o.put("stats_interval", c.statsInterval());
        o.put("max_time", c.maxTime());
        o.put("max_restart", c.maxRestart());
        o.put("recurring_period", c.recurringPeriod());
        o.put("stream", c.stream());
        o.set("log_levels", JSON.valueToTree(c.logLevels()));
        o.set("tags", JSON.valueToTree(c.tags()));
        o.put("protected", c.protect());
        return JSON.writeValueAsString(o);
    }

    public static String toJson(JobResult r) {
        return JSON.writeValueAsString(r);
    }

    private static String text(JsonNode root, String field, String dflt) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isString()) {
            throw OverseerException.invalidArgument("%s: expected a string, got %s", field, n);
        }
        return n.asString();
    }

    private static int integer(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw OverseerException.invalidArgument("%s: expected a whole number of seconds or times, got %s", field, n);
        }
        return n.asInt();
    }

    private static boolean bool(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw OverseerException.invalidArgument("%s: expected true or false, got %s", field, n);
        }
        return n.asBoolean();
    }

    private static <T> List<T> list(JsonNode root, String field, java.util.function.Predicate<JsonNode> ok,
                                    java.util.function.Function<JsonNode, T> value, String what) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw OverseerException.invalidArgument("%s: expected a list of %s, got %s", field, what, n);
        }
        List<T> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!ok.test(e)) {
                throw OverseerException.invalidArgument("%s: expected a list of %s, got %s", field, what, e);
            }
            out.add(value.apply(e));
        }
        return out;
    }
}
