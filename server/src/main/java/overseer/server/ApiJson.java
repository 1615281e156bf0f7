package overseer.server;

import overseer.core.Exit;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessInfo;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.TaskStats;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API's JSON: requests read strictly (unknown fields, wrong types and bad values are INVALID_ARGUMENT
 * naming the field, with its path), responses written from the core's values.
 */
final class ApiJson {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private ApiJson() {
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static String write(JsonNode n) {
        return JSON.writeValueAsString(n);
    }

    static JsonNode read(String body) {
        if (body == null || body.isBlank()) {
            throw OverseerException.invalidArgument("body: expected a JSON object, got nothing");
        }
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw OverseerException.invalidArgument("body: expected a JSON object");
            }
            return n;
        } catch (JacksonException e) {
            throw OverseerException.invalidArgument("body: not valid JSON: %s", e.getOriginalMessage());
        }
    }

    // --- requests ---------------------------------------------------------------------------------------

    /** {"id", "process": {...}, "resources": {...}}; output goes to files under {@code logDir}. */
    static TaskSpec taskSpec(JsonNode n, Path logDir) {
        only(n, "", Set.of("id", "process", "resources", "isolation"));
        String id = string(n, "id", true);
        JsonNode p = field(n, "process");
        TaskSpec spec = TaskSpec.of(id, process(p, logDir, id));
        JsonNode r = field(n, "resources");
        if (r != null) {
            spec = spec.withResources(resources(r));
        }
        JsonNode iso = field(n, "isolation");
        return iso == null ? spec : spec.withIsolation(isolation(iso));
    }

    /** {"rootfs", "mounts": ["SRC:DST[:ro]"], "hostname", "network": "none|host"}; {} is the default isolation. */
    static Isolation isolation(JsonNode n) {
        if (!n.isObject()) {
            throw OverseerException.invalidArgument("isolation: expected an object");
        }
        only(n, "isolation.", Set.of("rootfs", "mounts", "hostname", "network"));
        Isolation.Builder b = Isolation.builder();
        String rootfs = string(n, "rootfs", false);
        if (rootfs != null) {
            b.rootfs(Path.of(rootfs));
        }
        if (field(n, "mounts") != null) {
            for (String m : strings(n, "isolation.mounts", "mounts")) {
                b.mount(Isolation.Mount.parse(m));
            }
        }
        String hostname = string(n, "hostname", false);
        if (hostname != null) {
            b.hostname(hostname);
        }
        String network = string(n, "network", false);
        if (network != null) {
            b.network(switch (network) {
                case "none" -> Isolation.Network.NONE;
                case "host" -> Isolation.Network.HOST;
                default -> throw OverseerException.invalidArgument("isolation.network: expected none or host, got \"%s\"", network);
            });
        }
        return b.build();
    }

    /**
     * {"args", "env", "cwd", "user", "stdin": "null|pipe"}; stdout and stderr go to {@code <name>.out} and
     * {@code <name>.err} under {@code logDir}.
     */
    static ProcessSpec process(JsonNode p, Path logDir, String name) {
        if (p == null || !p.isObject()) {
            throw OverseerException.invalidArgument("process: expected an object with at least \"args\"");
        }
        only(p, "process.", Set.of("args", "env", "cwd", "user", "stdin", "terminal"));
        ProcessSpec.Builder b = ProcessSpec.builder(strings(p, "process.args", "args"))
                .env(stringMap(p, "process.env", "env"));
        String cwd = string(p, "cwd", false);
        if (cwd != null) {
            b.cwd(Path.of(cwd));
        }
        String user = string(p, "user", false);
        if (user != null) {
            b.user(user);
        }
        String stdin = string(p, "stdin", false);
        b.stdin(stdin == null || stdin.equals("null") ? Redirect.NULL : switch (stdin) {
            case "pipe" -> Redirect.PIPE;
            default -> throw OverseerException.invalidArgument("process.stdin: expected \"null\" or \"pipe\", got \"%s\"", stdin);
        });
        JsonNode terminal = field(p, "terminal");
        if (terminal != null && !terminal.isBoolean()) {
            throw OverseerException.invalidArgument("process.terminal: expected true or false, got %s", abbreviate(terminal));
        }
        if (terminal != null && terminal.asBoolean()) {
            // Its output comes through the terminal: the caller attaches to it, and a sink keeps it in <name>.out.
            return b.terminal().build();
        }
        // The daemon may restart while the task runs: output goes to files, which outlive it, not to pipes.
        b.stdout(Redirect.append(logDir.resolve(name + ".out"))).stderr(Redirect.append(logDir.resolve(name + ".err")));
        return b.build();
    }

    static Resources resources(JsonNode r) {
        if (!r.isObject()) {
            throw OverseerException.invalidArgument("resources: expected an object");
        }
        only(r, "resources.", Set.of("cpus", "cpuWeight", "memoryBytes", "swapBytes", "pidsLimit", "ioWeight"));
        Resources.Builder b = Resources.builder();
        JsonNode v;
        if ((v = r.get("cpus")) != null) {
            b.cpus(number(v, "resources.cpus"));
        }
        if ((v = r.get("cpuWeight")) != null) {
            b.cpuWeight((int) whole(v, "resources.cpuWeight"));
        }
        if ((v = r.get("memoryBytes")) != null) {
            b.memoryBytes(whole(v, "resources.memoryBytes"));
        }
        if ((v = r.get("swapBytes")) != null) {
            b.swapBytes(whole(v, "resources.swapBytes"));
        }
        if ((v = r.get("pidsLimit")) != null) {
            b.pidsLimit(whole(v, "resources.pidsLimit"));
        }
        if ((v = r.get("ioWeight")) != null) {
            b.ioWeight((int) whole(v, "resources.ioWeight"));
        }
        return b.build();
    }

    static void only(JsonNode n, String prefix, Set<String> known) {
        for (Map.Entry<String, JsonNode> f : n.properties()) {
            if (!known.contains(f.getKey())) {
                throw OverseerException.invalidArgument("%s%s: unknown field (known: %s)", prefix, f.getKey(),
                        String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private static JsonNode field(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v == null || v.isNull() ? null : v;
    }

    static String string(JsonNode n, String name, boolean required) {
        JsonNode v = field(n, name);
        if (v == null) {
            if (required) {
                throw OverseerException.invalidArgument("%s: must be given", name);
            }
            return null;
        }
        if (!v.isString()) {
            throw OverseerException.invalidArgument("%s: expected a string, got %s", name, abbreviate(v));
        }
        return v.asString();
    }

    private static List<String> strings(JsonNode n, String path, String name) {
        JsonNode v = field(n, name);
        if (v == null || !v.isArray()) {
            throw OverseerException.invalidArgument("%s: expected a list of strings", path);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isString()) {
                throw OverseerException.invalidArgument("%s: expected a list of strings, got %s", path, abbreviate(e));
            }
            out.add(e.asString());
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonNode n, String path, String name) {
        JsonNode v = field(n, name);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (!v.isObject()) {
            throw OverseerException.invalidArgument("%s: expected an object of strings", path);
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

    private static double number(JsonNode v, String path) {
        if (!v.isNumber()) {
            throw OverseerException.invalidArgument("%s: expected a number, got %s", path, abbreviate(v));
        }
        return v.asDouble();
    }

    static long parseLong(String field, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw OverseerException.invalidArgument("%s: expected a whole number, got \"%s\"", field, text);
        }
    }

    static long whole(JsonNode v, String path) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw OverseerException.invalidArgument("%s: expected a whole number, got %s", path, abbreviate(v));
        }
        return v.asLong();
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    // --- responses --------------------------------------------------------------------------------------

    static ObjectNode task(Task t) {
        ObjectNode o = object();
        o.put("namespace", t.namespace());
        o.put("id", t.id());
        o.put("status", t.status().word());
        o.put("pid", t.pid());
        ArrayNode args = o.putArray("args");
        t.spec().args().forEach(args::add);
        t.exit().ifPresent(e -> o.set("exit", exit(e)));
        ArrayNode execs = o.putArray("execs");
        t.execs().forEach(p -> execs.add(object().put("id", p.id()).put("status", p.status().word()).put("pid", p.pid())));
        return o;
    }

    static ObjectNode exit(Exit e) {
        ObjectNode o = object();
        o.put("exitCode", e.exitCode());
        if (e.signal().isPresent()) {
            o.put("signal", e.signal().get().name());
            o.put("signo", e.signal().get().number());
        } else {
            o.putNull("signal");
            o.putNull("signo");
        }
        o.put("oomKilled", e.oomKilled());
        o.put("exitedAt", e.exitedAt().toString());
        return o;
    }

    static ObjectNode stats(TaskStats st) {
        ObjectNode o = object();
        o.put("cpuUsageNs", st.cpuUsageNs()).put("cpuThrottledNs", st.cpuThrottledNs())
                .put("cpuThrottledPeriods", st.cpuThrottledPeriods()).put("memoryUsageBytes", st.memoryUsageBytes())
                .put("memoryMaxUsageBytes", st.memoryMaxUsageBytes()).put("memoryLimitBytes", st.memoryLimitBytes())
                .put("pids", st.pids()).put("oomKills", st.oomKills());
        ArrayNode procs = o.putArray("processes");
        st.processes().forEach(p -> procs.add(object().put("pid", p.pid()).put("cpu", p.cpu()).put("rss", p.rss())
                .put("vms", p.vms()).put("swap", p.swap())));
        return o;
    }

    static ArrayNode pids(List<ProcessInfo> pids) {
        ArrayNode a = JSON.createArrayNode();
        pids.forEach(p -> a.add(object().put("pid", p.pid()).put("command", p.command())));
        return a;
    }
}
