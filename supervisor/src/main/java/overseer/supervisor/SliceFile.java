package overseer.supervisor;

import overseer.core.Durations;
import overseer.core.OverseerException;
import overseer.core.PathText;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a {@link Slice} from YAML (docs/slices.md has the format). Strict: unknown fields, wrong types and
 * bad values are INVALID_ARGUMENT naming the field ({@code services[1].ready.match}); nothing is guessed.
 * <pre>
 * services:
 *   - name: db
 *     command: [/usr/bin/redis-server, --port, "6390"]
 *     ready: {match: "Ready to accept connections"}
 *   - name: migrate
 *     command: [/bin/sh, -c, "echo migrating"]
 *     after: [db]
 *     ready: exited
 * </pre>
 */
public final class SliceFile {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();
    private static final Set<String> TOP = Set.of("services");
    private static final Set<String> FIELDS = Set.of("name", "command", "env", "dir", "after", "ready", "restart",
            "max_restarts", "oneshot", "ready_timeout");
    private static final Set<String> READY = Set.of("match", "delay");

    private SliceFile() {
    }

    /** Reads {@code file}; a relative {@code dir} of a service is taken from the file's directory. */
    public static Slice read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw OverseerException.invalidArgument("%s: cannot read the slice file: %s", file, e.getMessage());
        }
        Path parent = file.toAbsolutePath().getParent();
        return parse(text, Optional.ofNullable(parent));
    }

    /** Parses a slice; every {@code dir} must be absolute. */
    public static Slice parse(String yaml) {
        return parse(yaml, Optional.empty());
    }

    static Slice parse(String yaml, Optional<Path> base) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw OverseerException.invalidField("slice", "not valid YAML: %s", e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw OverseerException.invalidField("services", "the slice file is empty");
        }
        object("slice", root, TOP);
        JsonNode list = root.get("services");
        if (list == null || !list.isArray()) {
            throw OverseerException.invalidField("services", "expected a list of services, got %s", describe(list));
        }
        List<Slice.Service> services = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            services.add(service("services[" + i + "]", list.get(i), base));
        }
        return new Slice(services);
    }

    private static Slice.Service service(String at, JsonNode n, Optional<Path> base) {
        object(at, n, FIELDS);
        String name = string(at + ".name", n.get("name"))
                .orElseThrow(() -> OverseerException.invalidField(at + ".name", "every service needs a name"));
        List<String> command = strings(at + ".command", n.get("command"));
        if (command.isEmpty()) {
            throw OverseerException.invalidField(at + ".command", "must name a program to run");
        }
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode vars = n.get("env");
        if (vars != null && !vars.isNull()) {
            if (!vars.isObject()) {
                throw OverseerException.invalidField(at + ".env", "expected a map of names to strings, got %s", describe(vars));
            }
            for (Map.Entry<String, JsonNode> v : vars.properties()) {
                env.put(v.getKey(), scalar(at + ".env." + v.getKey(), v.getValue()));
            }
        }
        Optional<Path> dir = string(at + ".dir", n.get("dir"))
                .map(d -> base.map(b -> PathText.resolve(at + ".dir", b, d)).orElseGet(() -> PathText.of(at + ".dir", d)));
        List<String> after = strings(at + ".after", n.get("after"));
        Optional<Boolean> oneshot = bool(at + ".oneshot", n.get("oneshot"));
        Optional<Slice.Readiness> ready = readiness(at + ".ready", n.get("ready"));
        boolean isOneshot = oneshot.orElse(ready.orElse(null) instanceof Slice.Readiness.Exited);
        Slice.Readiness readiness = ready.orElse(isOneshot ? Slice.Readiness.EXITED : Slice.DEFAULT_READINESS);
        Optional<RestartPolicy.Mode> restart = string(at + ".restart", n.get("restart")).map(r -> {
            try {
                return RestartPolicy.Mode.parse(r);
            } catch (OverseerException e) {
                throw OverseerException.invalidField(at + ".restart", "expected never, on-failure or always, got \"%s\"", r);
            }
        });
        Optional<Integer> max = integer(at + ".max_restarts", n.get("max_restarts"));
        // max_restarts alone means on-failure (as 0-core's max_restart); a restart mode alone means no limit
        RestartPolicy.Mode mode = restart.orElse(max.filter(m -> m > 0).isPresent()
                ? RestartPolicy.Mode.ON_FAILURE : RestartPolicy.Mode.NEVER);
        int maxRestarts = max.orElse(mode == RestartPolicy.Mode.NEVER ? 0 : Command.MAX_RESTARTS);
        Optional<Duration> readyTimeout = string(at + ".ready_timeout", n.get("ready_timeout"))
                .map(d -> duration(at + ".ready_timeout", d));
        return new Slice.Service(name, command, env, dir, after, readiness, mode, maxRestarts, isOneshot, readyTimeout);
    }

    private static Optional<Slice.Readiness> readiness(String at, JsonNode n) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (n.isString()) {
            if (n.asString().equals("exited")) {
                return Optional.of(Slice.Readiness.EXITED);
            }
            throw OverseerException.invalidField(at, "expected exited, {match: REGEX} or {delay: DURATION}, got \"%s\"", n.asString());
        }
        object(at, n, READY);
        if (n.size() != 1) {
            throw OverseerException.invalidField(at, "expected exactly one of match or delay, got %s", String.join(", ", n.propertyNames()));
        }
        if (n.has("match")) {
            String regex = string(at + ".match", n.get("match")).orElse("");
            return Optional.of(new Slice.Readiness.Match(Patterns.compile(at + ".match", regex)));
        }
        String d = string(at + ".delay", n.get("delay"))
                .orElseThrow(() -> OverseerException.invalidField(at + ".delay", "expected a duration such as 2s"));
        return Optional.of(new Slice.Readiness.Delay(duration(at + ".delay", d)));
    }

    /** A duration of at most 24 h (see {@link Durations#parse}). */
    static Duration duration(String field, String text) {
        Duration d = Durations.parse(field, text);
        if (d.compareTo(Slice.MAX_DURATION) > 0) {
            throw OverseerException.invalidField(field, "%s is longer than %s", text, "24h");
        }
        return d;
    }

    private static void object(String at, JsonNode n, Set<String> known) {
        if (n == null || !n.isObject()) {
            throw OverseerException.invalidField(at, "expected a map of %s, got %s", String.join(", ", known.stream().sorted().toList()), describe(n));
        }
        for (String f : n.propertyNames()) {
            if (!known.contains(f)) {
                throw OverseerException.invalidField(at + "." + f, "unknown field (known: %s)",
                        String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private static Optional<String> string(String field, JsonNode n) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isString()) {
            throw OverseerException.invalidField(field, "expected a string, got %s", describe(n));
        }
        return Optional.of(n.asString());
    }

    /** A string, or a whole number written without quotes ({@code --port, 6390}). */
    private static String scalar(String field, JsonNode n) {
        if (n != null && (n.isString() || n.isIntegralNumber())) {
            return n.asString();
        }
        throw OverseerException.invalidField(field, "expected a string (quote it), got %s", describe(n));
    }

    private static List<String> strings(String field, JsonNode n) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw OverseerException.invalidField(field, "expected a list of strings, got %s", describe(n));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            out.add(scalar(field + "[" + i + "]", n.get(i)));
        }
        return out;
    }

    private static Optional<Boolean> bool(String field, JsonNode n) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isBoolean()) {
            throw OverseerException.invalidField(field, "expected true or false, got %s", describe(n));
        }
        return Optional.of(n.asBoolean());
    }

    private static Optional<Integer> integer(String field, JsonNode n) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw OverseerException.invalidField(field, "expected a whole number, got %s", describe(n));
        }
        return Optional.of(n.asInt());
    }

    private static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isObject()) {
            return "a map";
        }
        if (n.isArray()) {
            return "a list";
        }
        return n.isString() ? "\"" + n.asString() + "\"" : n.toString();
    }
}
