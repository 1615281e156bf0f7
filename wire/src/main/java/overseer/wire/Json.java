package overseer.wire;

import overseer.core.OverseerException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one JSON mapper of Overseer's wire, and strict readers: unknown fields, wrong types and bad values
 * are INVALID_ARGUMENT naming the field by its path ("process.args"), never a stack trace.
 */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static String write(JsonNode n) {
        return MAPPER.writeValueAsString(n);
    }

    /** A JSON object, or INVALID_ARGUMENT saying what the body is instead. */
    public static JsonNode read(String body) {
        if (body == null || body.isBlank()) {
            throw OverseerException.invalidField("body", "expected a JSON object, got nothing");
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw OverseerException.invalidField("body", "expected a JSON object");
            }
            return n;
        } catch (JacksonException e) {
            throw OverseerException.invalidField("body", "not valid JSON: %s", e.getOriginalMessage());
        }
    }

    /** INVALID_ARGUMENT for the first field of {@code n} not in {@code known}. */
    public static void only(JsonNode n, String prefix, Set<String> known) {
        for (Map.Entry<String, JsonNode> f : n.properties()) {
            if (!known.contains(f.getKey())) {
                throw OverseerException.invalidArgument("%s%s: unknown field (known: %s)", prefix, f.getKey(),
                        String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    /** The field, or null when it is absent or JSON null. */
    public static JsonNode field(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v == null || v.isNull() ? null : v;
    }

    public static JsonNode object(JsonNode v, String path) {
        if (v == null || !v.isObject()) {
            throw OverseerException.invalidField(path, "expected an object");
        }
        return v;
    }

    public static String string(JsonNode n, String name, boolean required) {
        return string(n, name, name, required);
    }

    public static String string(JsonNode n, String path, String name, boolean required) {
        JsonNode v = field(n, name);
        if (v == null) {
            if (required) {
                throw OverseerException.invalidField(path, "must be given");
            }
            return null;
        }
        if (!v.isString()) {
            throw OverseerException.invalidField(path, "expected a string, got %s", abbreviate(v));
        }
        return v.asString();
    }

    public static List<String> strings(JsonNode n, String path, String name) {
        JsonNode v = field(n, name);
        if (v == null || !v.isArray()) {
            throw OverseerException.invalidField(path, "expected a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isString()) {
                throw OverseerException.invalidField(path, "expected a list of strings, got %s", abbreviate(e));
            }
            out.add(e.asString());
        }
        return out;
    }

    public static Map<String, String> stringMap(JsonNode n, String path, String name) {
        JsonNode v = field(n, name);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            throw OverseerException.invalidField(path, "expected an object of strings");
        }
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isString()) {
                throw OverseerException.invalidArgument("%s.%s: expected a string, got %s", path, e.getKey(),
                        abbreviate(e.getValue()));
            }
            out.put(e.getKey(), e.getValue().asString());
        }
        return out;
    }

    public static boolean bool(JsonNode n, String path, String name, boolean otherwise) {
        JsonNode v = field(n, name);
        if (v == null) {
            return otherwise;
        }
        if (!v.isBoolean()) {
            throw OverseerException.invalidField(path, "expected true or false, got %s", abbreviate(v));
        }
        return v.asBoolean();
    }

    public static double number(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw OverseerException.invalidField(path, "expected a number, got %s", abbreviate(v));
        }
        return v.asDouble();
    }

    public static long whole(JsonNode v, String path) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw OverseerException.invalidField(path, "expected a whole number, got %s", abbreviate(v));
        }
        return v.asLong();
    }

    /** A size in bytes: a whole number, or a string in the CLI's grammar ("64m", "1.5g"). */
    public static long bytes(JsonNode v, String path) {
        return v.isString() ? overseer.core.Sizes.parse(path, v.asString()) : whole(v, path);
    }

    public static long parseLong(String field, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw OverseerException.invalidField(field, "expected a whole number, got \"%s\"", text);
        }
    }

    /** A duration as {@link overseer.core.Durations#parse} reads it back: "100ms", "10s", "1m", "1h". */
    public static String text(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    public static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /** A path given as text; see {@link overseer.core.PathText}. */
    public static java.nio.file.Path path(String field, String text) {
        return overseer.core.PathText.of(field, text);
    }
}
