package overseer.supervisor;

import overseer.core.OverseerException;
import overseer.core.internal.PathText;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * 0-core's SystemCommandArguments: {@code {"name": "/bin/ls", "dir": "/tmp", "args": ["-l"], "env": {"A": "1"},
 * "stdin": "text"}}.
 */
public record SystemArguments(String name, Optional<Path> dir, List<String> args, Map<String, String> env,
                              Optional<String> stdin) {
    private static final Set<String> FIELDS = Set.of("name", "dir", "args", "env", "stdin");

    public SystemArguments {
        args = List.copyOf(args);
        env = Map.copyOf(env);
    }

    static SystemArguments parse(JsonNode a) {
        if (a == null || !a.isObject()) {
            throw OverseerException.invalidArgument("arguments: expected an object with at least \"name\", got %s", a);
        }
        for (Map.Entry<String, JsonNode> f : a.properties()) {
            if (!FIELDS.contains(f.getKey())) {
                throw OverseerException.invalidArgument("arguments.%s: unknown field (known: args, dir, env, name, stdin)",
                        f.getKey());
            }
        }
        String name = string(a, "name").orElseThrow(() ->
                OverseerException.invalidArgument("arguments.name: must name the program to run"));
        Optional<Path> dir = string(a, "dir").filter(d -> !d.isEmpty()).map(d -> PathText.of("arguments.dir", d));
        List<String> args = new ArrayList<>();
        JsonNode list = a.get("args");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw OverseerException.invalidArgument("arguments.args: expected a list of strings, got %s", list);
            }
            for (JsonNode e : list) {
                if (!e.isString()) {
                    throw OverseerException.invalidArgument("arguments.args: expected a list of strings, got %s", e);
                }
                args.add(e.asString());
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode vars = a.get("env");
        if (vars != null && !vars.isNull()) {
            if (!vars.isObject()) {
                throw OverseerException.invalidArgument("arguments.env: expected an object of strings, got %s", vars);
            }
            for (Map.Entry<String, JsonNode> v : vars.properties()) {
                if (!v.getValue().isString()) {
                    throw OverseerException.invalidArgument("arguments.env.%s: expected a string, got %s", v.getKey(),
                            v.getValue());
                }
                env.put(v.getKey(), v.getValue().asString());
            }
        }
        return new SystemArguments(name, dir, args, env, string(a, "stdin").filter(s -> !s.isEmpty()));
    }

    private static Optional<String> string(JsonNode a, String field) {
        JsonNode n = a.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isString()) {
            throw OverseerException.invalidArgument("arguments.%s: expected a string, got %s", field, n);
        }
        return Optional.of(n.asString());
    }
}
