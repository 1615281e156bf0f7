package overseer.wire;

import overseer.core.Exit;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.TaskSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The one JSON encoding of {@link ServiceSpec} and {@link Exit}: what the CLI and the Java client send, the
 * server reads strictly, and the store keeps (wrapped with its {@link #VERSION}). Reading and writing are
 * each other's inverse for every spec the API accepts.
 *
 * <pre>{"id", "process": {"args", "env", "cwd", "user", "stdin": "null|pipe", "terminal"},
 *  "resources": {...}, "isolation": {"rootfs", "mounts", "hostname", "network"},
 *  "restart": "on-failure:3" | {"policy", "initialDelay", "maxDelay", "resetAfter", "startLimitBurst", "startLimitInterval"},
 *  "stopSignal", "stopGrace", "maxRuntime", "healthCheck": {"command", "interval", "timeout", "retries", "restart"},
 *  "logs": {"maxBytes", "maxFiles"}}</pre>
 */
public final class SpecJson {
    /** The version of the stored encoding; a newer one is refused, never guessed at. */
    public static final int VERSION = 1;
    private static final Set<String> SERVICE = Set.of("id", "process", "resources", "isolation", "restart",
            "stopSignal", "stopGrace", "maxRuntime", "healthCheck", "logs");

    private SpecJson() {
    }

    // --- the service spec ------------------------------------------------------------------------------

    public static ServiceSpec read(JsonNode n) {
        Json.only(n, "", SERVICE);
        String id = Json.string(n, "id", true);
        TaskSpec task = TaskSpec.of(id, process(Json.field(n, "process"), "process."));
        JsonNode r = Json.field(n, "resources");
        if (r != null) {
            task = task.withResources(resources(r));
        }
        JsonNode iso = Json.field(n, "isolation");
        if (iso != null) {
            task = task.withIsolation(isolation(iso));
        }
        Supervision s = Supervision.NONE;
        JsonNode restart = Json.field(n, "restart");
        if (restart != null) {
            s = s.withRestart(restart(restart));
        }
        String signal = Json.string(n, "stopSignal", false);
        String grace = Json.string(n, "stopGrace", false);
        if (signal != null || grace != null) {
            s = s.withStop(signal == null ? s.stopSignal() : signal("stopSignal", signal),
                    grace == null ? s.stopGrace() : duration("stopGrace", grace));
        }
        String maxRuntime = Json.string(n, "maxRuntime", false);
        if (maxRuntime != null) {
            s = s.withMaxRuntime(duration("maxRuntime", maxRuntime));
        }
        JsonNode health = Json.field(n, "healthCheck");
        if (health != null) {
            s = s.withHealthCheck(healthCheck(health));
        }
        ServiceSpec spec = new ServiceSpec(task, s);
        JsonNode logs = Json.field(n, "logs");
        if (logs != null) {
            spec = spec.withLogs(logs(logs));
        }
        return spec;
    }

    /** {"maxBytes", "maxFiles"}: either may be left out, and is then the daemon's default. */
    static LogLimits logs(JsonNode n) {
        if (!n.isObject()) {
            throw OverseerException.invalidField("logs", "expected an object with \"maxBytes\" and/or \"maxFiles\", got %s", n);
        }
        Json.only(n, "logs.", Set.of("maxBytes", "maxFiles"));
        JsonNode b = Json.field(n, "maxBytes");
        JsonNode f = Json.field(n, "maxFiles");
        long bytes = b == null ? LogLimits.DEFAULT.maxBytes() : Json.whole(b, "logs.maxBytes");
        long files = f == null ? LogLimits.DEFAULT.maxFiles() : Json.whole(f, "logs.maxFiles");
        if (files < 1 || files > 100) {
            throw OverseerException.invalidField("logs.maxFiles", "%d is out of range 1..100", files);
        }
        return new LogLimits(bytes, (int) files);
    }

    public static ObjectNode write(ServiceSpec spec) {
        TaskSpec t = spec.task();
        ObjectNode o = Json.object();
        o.put("id", t.id());
        o.set("process", process(t.process()));
        if (!t.resources().isEmpty()) {
            o.set("resources", resources(t.resources()));
        }
        t.isolation().ifPresent(i -> o.set("isolation", isolation(i)));
        Supervision s = spec.supervision();
        o.set("restart", restart(s.restart()));
        o.put("stopSignal", s.stopSignal().name());
        o.put("stopGrace", Json.text(s.stopGrace()));
        s.maxRuntime().ifPresent(d -> o.put("maxRuntime", Json.text(d)));
        s.healthCheck().ifPresent(h -> o.set("healthCheck", healthCheck(h)));
        spec.logs().ifPresent(l -> o.set("logs", Json.object().put("maxBytes", l.maxBytes()).put("maxFiles", l.maxFiles())));
        return o;
    }

    /** The store's encoding: {"version": 1, "spec": {...}}. */
    public static String stored(ServiceSpec spec) {
        ObjectNode o = Json.object();
        o.put("version", VERSION);
        o.set("spec", write(spec));
        return Json.write(o);
    }

    /**
     * Reads what {@link #stored} wrote. A record from before the versioned encoding (the bare request body
     * of schema 1) is read as version 0, the same fields without supervision.
     */
    public static ServiceSpec fromStore(String text) {
        JsonNode n = Json.read(text);
        JsonNode v = n.get("version");
        if (v == null) {
            return read(n);
        }
        if (!v.canConvertToInt() || v.asInt() > VERSION) {
            throw OverseerException.failedPrecondition("stored spec: version %s is newer than this Overseer's %d",
                    v, VERSION);
        }
        return read(Json.object(n.get("spec"), "spec"));
    }

    // --- process ---------------------------------------------------------------------------------------

    /**
     * {"args", "env", "cwd", "user", "stdin": "null|pipe", "terminal"}. Output redirection is the daemon's
     * business (files that outlive it), so it is not on the wire: stdout and stderr are left discarded here.
     */
    public static ProcessSpec process(JsonNode p, String prefix) {
        String path = prefix.isEmpty() ? "process" : prefix.substring(0, prefix.length() - 1);
        if (p == null || !p.isObject()) {
            throw OverseerException.invalidField(path, "expected an object with at least \"args\"");
        }
        Json.only(p, prefix, Set.of("args", "env", "cwd", "user", "stdin", "terminal"));
        ProcessSpec.Builder b = ProcessSpec.builder(Json.strings(p, prefix + "args", "args"))
                .env(Json.stringMap(p, prefix + "env", "env"));
        String cwd = Json.string(p, prefix + "cwd", "cwd", false);
        if (cwd != null) {
            b.cwd(Json.path(prefix + "cwd", cwd));
        }
        String user = Json.string(p, prefix + "user", "user", false);
        if (user != null) {
            b.user(user);
        }
        String stdin = Json.string(p, prefix + "stdin", "stdin", false);
        b.stdin(stdin == null || stdin.equals("null") ? Redirect.NULL : switch (stdin) {
            case "pipe" -> Redirect.PIPE;
            default -> throw OverseerException.invalidArgument("%sstdin: expected \"null\" or \"pipe\", got \"%s\"", prefix, stdin);
        });
        if (Json.bool(p, prefix + "terminal", "terminal", false)) {
            b.terminal();
        }
        return b.build();
    }

    public static ObjectNode process(ProcessSpec p) {
        ObjectNode o = Json.object();
        ArrayNode args = o.putArray("args");
        p.args().forEach(args::add);
        ObjectNode env = o.putObject("env");
        p.env().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e -> env.put(e.getKey(), e.getValue()));
        p.cwd().ifPresent(d -> o.put("cwd", d.toString()));
        p.user().ifPresent(u -> o.put("user", u.toString()));
        if (p.terminal()) {
            o.put("terminal", true);
        } else {
            o.put("stdin", p.stdin() == Redirect.PIPE ? "pipe" : "null");
        }
        return o;
    }

    // --- resources and isolation -----------------------------------------------------------------------

    public static Resources resources(JsonNode r) {
        Json.object(r, "resources");
        Json.only(r, "resources.", Set.of("cpus", "cpuWeight", "memoryBytes", "swapBytes", "pidsLimit", "ioWeight"));
        Resources.Builder b = Resources.builder();
        JsonNode v;
        if ((v = Json.field(r, "cpus")) != null) {
            b.cpus(Json.number(v, "resources.cpus"));
        }
        if ((v = Json.field(r, "cpuWeight")) != null) {
            b.cpuWeight(Math.toIntExact(intValue(v, "resources.cpuWeight")));
        }
        if ((v = Json.field(r, "memoryBytes")) != null) {
            b.memoryBytes(Json.bytes(v, "resources.memoryBytes"));
        }
        if ((v = Json.field(r, "swapBytes")) != null) {
            b.swapBytes(Json.bytes(v, "resources.swapBytes"));
        }
        if ((v = Json.field(r, "pidsLimit")) != null) {
            b.pidsLimit(Json.whole(v, "resources.pidsLimit"));
        }
        if ((v = Json.field(r, "ioWeight")) != null) {
            b.ioWeight(Math.toIntExact(intValue(v, "resources.ioWeight")));
        }
        return b.build();
    }

    public static ObjectNode resources(Resources limits) {
        ObjectNode r = Json.object();
        limits.cpus().ifPresent(v -> r.put("cpus", v));
        limits.cpuWeight().ifPresent(v -> r.put("cpuWeight", v));
        limits.memoryBytes().ifPresent(v -> r.put("memoryBytes", v));
        limits.swapBytes().ifPresent(v -> r.put("swapBytes", v));
        limits.pidsLimit().ifPresent(v -> r.put("pidsLimit", v));
        limits.ioWeight().ifPresent(v -> r.put("ioWeight", v));
        return r;
    }

    /** {"rootfs", "mounts": ["SRC:DST[:ro]"], "hostname", "network": "none|host"}; {} is the default isolation. */
    public static Isolation isolation(JsonNode n) {
        Json.object(n, "isolation");
        Json.only(n, "isolation.", Set.of("rootfs", "mounts", "hostname", "network"));
        Isolation.Builder b = Isolation.builder();
        String rootfs = Json.string(n, "isolation.rootfs", "rootfs", false);
        if (rootfs != null) {
            b.rootfs(Json.path("isolation.rootfs", rootfs));
        }
        if (Json.field(n, "mounts") != null) {
            for (String m : Json.strings(n, "isolation.mounts", "mounts")) {
                if (m.indexOf('\0') >= 0) {
                    throw OverseerException.invalidField("isolation.mounts", "contains a NUL character");
                }
                b.mount(Isolation.Mount.parse(m));
            }
        }
        String hostname = Json.string(n, "isolation.hostname", "hostname", false);
        if (hostname != null) {
            b.hostname(hostname);
        }
        String network = Json.string(n, "isolation.network", "network", false);
        if (network != null) {
            b.network(switch (network) {
                case "none" -> Isolation.Network.NONE;
                case "host" -> Isolation.Network.HOST;
                default -> throw OverseerException.invalidField("isolation.network", "expected none or host, got \"%s\"", network);
            });
        }
        return b.build();
    }

    public static ObjectNode isolation(Isolation iso) {
        ObjectNode o = Json.object();
        iso.rootfs().ifPresent(r -> o.put("rootfs", r.toString()));
        ArrayNode mounts = o.putArray("mounts");
        for (Isolation.Mount m : iso.mounts()) {
            if (m.kind() != Isolation.Mount.Kind.BIND) {
                throw OverseerException.invalidField("isolation.mounts", "a %s mount cannot be sent to the daemon",
                        m.kind().name().toLowerCase(java.util.Locale.ROOT));
            }
            mounts.add(m.source() + ":" + m.destination() + (m.readOnly() ? ":ro" : ""));
        }
        iso.hostname().ifPresent(h -> o.put("hostname", h));
        o.put("network", iso.network() == Isolation.Network.NONE ? "none" : "host");
        return o;
    }

    // --- supervision -----------------------------------------------------------------------------------

    private static RestartPolicy restart(JsonNode n) {
        if (n.isString()) {
            return RestartPolicy.parse("restart", n.asString());
        }
        Json.object(n, "restart");
        Json.only(n, "restart.", Set.of("policy", "initialDelay", "maxDelay", "resetAfter", "startLimitBurst",
                "startLimitInterval"));
        RestartPolicy p = RestartPolicy.parse("restart.policy", Json.string(n, "restart.policy", "policy", true));
        p = p.withBackoff(durationOr(n, "restart.", "initialDelay", p.initialDelay()),
                durationOr(n, "restart.", "maxDelay", p.maxDelay()), durationOr(n, "restart.", "resetAfter", p.resetAfter()));
        JsonNode burst = Json.field(n, "startLimitBurst");
        return p.withStartLimit(burst == null ? p.startLimitBurst() : Math.toIntExact(intValue(burst, "restart.startLimitBurst")),
                durationOr(n, "restart.", "startLimitInterval", p.startLimitInterval()));
    }

    private static ObjectNode restart(RestartPolicy p) {
        return Json.object().put("policy", p.word()).put("initialDelay", Json.text(p.initialDelay()))
                .put("maxDelay", Json.text(p.maxDelay())).put("resetAfter", Json.text(p.resetAfter()))
                .put("startLimitBurst", p.startLimitBurst()).put("startLimitInterval", Json.text(p.startLimitInterval()));
    }

    private static HealthCheck healthCheck(JsonNode n) {
        Json.object(n, "healthCheck");
        Json.only(n, "healthCheck.", Set.of("command", "match", "interval", "timeout", "retries", "restart"));
        String match = Json.string(n, "healthCheck.match", "match", false);
        HealthCheck d = match != null ? HealthCheck.matching(match)
                : HealthCheck.of(Json.field(n, "command") == null ? java.util.List.of()
                : Json.strings(n, "healthCheck.command", "command"));
        if (match != null && Json.field(n, "command") != null) {
            throw OverseerException.invalidField("healthCheck", "give either command or match, not both");
        }
        JsonNode retries = Json.field(n, "retries");
        return new HealthCheck(d.command(), d.match(), durationOr(n, "healthCheck.", "interval", d.interval()),
                durationOr(n, "healthCheck.", "timeout", d.timeout()),
                retries == null ? d.retries() : Math.toIntExact(intValue(retries, "healthCheck.retries")),
                Json.bool(n, "healthCheck.restart", "restart", d.restart()));
    }

    private static ObjectNode healthCheck(HealthCheck h) {
        ObjectNode o = Json.object();
        if (h.match().isPresent()) {
            o.put("match", h.match().get().pattern());
        } else {
            ArrayNode cmd = o.putArray("command");
            h.command().forEach(cmd::add);
        }
        return o.put("interval", Json.text(h.interval())).put("timeout", Json.text(h.timeout()))
                .put("retries", h.retries()).put("restart", h.restart());
    }

    // --- exit ------------------------------------------------------------------------------------------

    /**
     * {"exitCode", "signal": "SIGKILL"|null, then "signo" or "exit_status", "oomKilled", "exitedAt"}. Exactly one of
     * {@code signo} (killed by that signal) and {@code exit_status} (exited with that status, -1 when unknown) is
     * there, as in Lambda's EventData, which a ProcessTermination reads as Signaled() or Exited().
     */
    public static ObjectNode exit(Exit e) {
        ObjectNode o = Json.object();
        o.put("exitCode", e.exitCode());
        if (e.signal().isPresent()) {
            o.put("signal", e.signal().get().name());
            o.put("signo", e.signal().get().number());
        } else {
            o.putNull("signal");
            o.put("exit_status", e.exitCode());
        }
        o.put("oomKilled", e.oomKilled());
        o.put("exitedAt", e.exitedAt().toString());
        return o;
    }

    public static Exit exit(JsonNode n) {
        Json.object(n, "exit");
        JsonNode code = Json.field(n, "exitCode");
        if (code == null) {
            throw OverseerException.invalidField("exit.exitCode", "must be given");
        }
        JsonNode signo = Json.field(n, "signo");
        Optional<Signal> signal = signo == null ? Optional.empty() : Optional.of(Signal.of(Math.toIntExact(Json.whole(signo, "exit.signo"))));
        String at = Json.string(n, "exit.exitedAt", "exitedAt", true);
        Instant exitedAt;
        try {
            exitedAt = Instant.parse(at);
        } catch (java.time.format.DateTimeParseException ex) {
            throw OverseerException.invalidField("exit.exitedAt", "not an instant, got \"%s\"", at);
        }
        return new Exit(Math.toIntExact(Json.whole(code, "exit.exitCode")), signal,
                Json.bool(n, "exit.oomKilled", "oomKilled", false), exitedAt);
    }

    // --- values ----------------------------------------------------------------------------------------

    private static Signal signal(String field, String text) {
        try {
            return Signal.parse(text);
        } catch (OverseerException e) {
            throw e.withField(field);
        }
    }

    private static Duration duration(String field, String text) {
        return overseer.core.Durations.parse(field, text);
    }

    private static Duration durationOr(JsonNode n, String prefix, String name, Duration otherwise) {
        String s = Json.string(n, prefix + name, name, false);
        return s == null ? otherwise : duration(prefix + name, s);
    }

    private static long intValue(JsonNode v, String path) {
        long l = Json.whole(v, path);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw OverseerException.invalidField(path, "%d is out of range", l);
        }
        return l;
    }
}
