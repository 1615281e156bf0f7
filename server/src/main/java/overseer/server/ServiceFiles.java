package overseer.server;

import overseer.core.OverseerException;
import overseer.core.PathText;
import overseer.supervisor.Slice;
import overseer.supervisor.SliceFile;
import overseer.wire.Json;
import overseer.wire.ServiceSpec;
import overseer.wire.SpecJson;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * `overseer daemon --services DIR`: every {@code *.yaml} / {@code *.yml} file in DIR holds a slice
 * (docs/slices.md: name, command, env, dir, after, ready, ready_timeout) extended with what the daemon
 * keeps a service by: {@code restart} in docker's words, {@code max_restarts}, {@code backoff},
 * {@code start_limit}, {@code stop_signal}, {@code stop_grace}, {@code max_runtime}, {@code user},
 * {@code resources}, {@code isolation} and {@code health_check}. The files are read whole, all of them or
 * none: any error names the file, the service and the field, and nothing changes.
 */
final class ServiceFiles {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    /** The fields a plain slice knows; the rest are the daemon's. */
    private static final Set<String> SLICE = Set.of("name", "command", "env", "dir", "after", "ready", "oneshot",
            "ready_timeout");
    private static final Set<String> EXTENDED = Set.of("restart", "max_restarts", "backoff", "start_limit",
            "stop_signal", "stop_grace", "max_runtime", "user", "resources", "isolation", "health_check");
    private static final Pattern AT = Pattern.compile("^services\\[(\\d+)]");

    /** One declared service: its typed spec, and how it is started among the others. */
    record Declared(ServiceSpec spec, Slice.Service slice) {
        String name() {
            return slice.name();
        }
    }

    private ServiceFiles() {
    }

    /** The services of every file in {@code dir}, in start order (dependencies first). */
    static List<Declared> read(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
        } catch (IOException e) {
            throw OverseerException.invalidField("--services", "cannot read %s: %s", dir, e.getMessage());
        }
        ArrayNode sliced = Json.MAPPER.createArrayNode();
        List<JsonNode> extended = new ArrayList<>();
        List<String> origin = new ArrayList<>();
        for (Path f : files) {
            JsonNode root;
            try {
                root = YAML.readTree(Files.readString(f));
            } catch (IOException | JacksonException e) {
                throw OverseerException.invalidArgument("%s: not a readable YAML file: %s", f.getFileName(), e.getMessage());
            }
            if (root == null || root.isMissingNode() || root.isNull()) {
                continue;
            }
            JsonNode list = root.get("services");
            if (!root.isObject() || list == null || !list.isArray() || root.size() != 1) {
                throw OverseerException.invalidArgument("%s: expected one field, services: a list of services", f.getFileName());
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode n = list.get(i);
                String at = f.getFileName() + ": services[" + i + "]";
                if (!n.isObject()) {
                    throw OverseerException.invalidField(at, "expected a service, got %s", Json.abbreviate(n));
                }
                ObjectNode slice = Json.object();
                ObjectNode ext = Json.object();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    if (SLICE.contains(e.getKey())) {
                        slice.set(e.getKey(), e.getValue());
                    } else if (EXTENDED.contains(e.getKey())) {
                        ext.set(e.getKey(), e.getValue());
                    } else {
                        throw OverseerException.invalidArgument("%s.%s: unknown field (known: %s)", at, e.getKey(),
                                String.join(", ", Stream.concat(SLICE.stream(), EXTENDED.stream()).sorted().toList()));
                    }
                }
                Path base = f.toAbsolutePath().getParent();
                if (slice.get("dir") != null && slice.get("dir").isString()) {
                    slice.put("dir", PathText.resolve(at + ".dir", base, slice.get("dir").asString()).toString());
                }
                sliced.add(slice);
                extended.add(ext);
                origin.add(f.getFileName() + ": services[" + i + "]");
            }
        }
        if (sliced.isEmpty()) {
            return List.of();
        }
        Slice slice;
        try {
            // JSON is YAML: the slice's own parser checks its part, with the cycles and unknown names in after.
            slice = SliceFile.parse(Json.write(Json.object().set("services", sliced)));
        } catch (OverseerException e) {
            throw located(e, origin);
        }
        List<Declared> out = new ArrayList<>();
        for (Slice.Service s : slice.startOrder()) {
            int i = slice.services().indexOf(s);
            try {
                out.add(new Declared(spec(s, extended.get(i)), s));
            } catch (OverseerException e) {
                throw e.under(origin.get(i), ".");
            }
        }
        return out;
    }

    /** An error about services[3].after[0] of the combined slice, told as one about "web.yaml: services[1].after[0]". */
    private static OverseerException located(OverseerException e, List<String> origin) {
        Matcher m = AT.matcher(e.field().orElse(""));
        if (m.find()) {
            int i = Integer.parseInt(m.group(1));
            if (i < origin.size()) {
                return e.withField(origin.get(i) + e.field().orElseThrow().substring(m.end()));
            }
        }
        return e;
    }

    /** The service as the API's task spec, read by the one reader so that it is checked the same way. */
    private static ServiceSpec spec(Slice.Service s, JsonNode ext) {
        ObjectNode task = Json.object().put("id", s.name());
        ObjectNode process = task.putObject("process");
        ArrayNode args = process.putArray("args");
        s.command().forEach(args::add);
        ObjectNode env = process.putObject("env");
        s.env().forEach(env::put);
        s.dir().ifPresent(d -> process.put("cwd", d.toString()));
        copy(ext, "user", process, "user");
        copy(ext, "resources", task, "resources");
        copy(ext, "isolation", task, "isolation");
        copy(ext, "stop_signal", task, "stopSignal");
        copy(ext, "stop_grace", task, "stopGrace");
        copy(ext, "max_runtime", task, "maxRuntime");
        copy(ext, "health_check", task, "healthCheck");
        task.set("restart", restart(ext));
        try {
            return SpecJson.read(task);
        } catch (OverseerException e) {
            // Told in the file's words, not the API's: the field the API named becomes the file's key.
            throw e.field().map(f -> e.withField(f.replaceFirst("^stopSignal", "stop_signal")
                    .replaceFirst("^stopGrace", "stop_grace").replaceFirst("^maxRuntime", "max_runtime")
                    .replaceFirst("^healthCheck", "health_check").replaceFirst("^restart\\.(initialDelay|maxDelay|resetAfter)", "backoff")
                    .replaceFirst("^restart\\.startLimit\\w*", "start_limit").replaceFirst("^process\\.user", "user")))
                    .orElse(e);
        }
    }

    /** restart (docker's words), max_restarts (on-failure:N), backoff {initial, max, reset}, start_limit {burst, interval}. */
    private static ObjectNode restart(JsonNode ext) {
        String word = ext.has("restart") ? Json.string(ext, "restart", false) : null;
        JsonNode max = Json.field(ext, "max_restarts");
        if (max != null) {
            long n = Json.whole(max, "max_restarts");
            if (word != null && !word.equals("on-failure")) {
                throw OverseerException.invalidField("max_restarts", "only with restart: on-failure, got restart: %s", word);
            }
            word = "on-failure:" + n;
        }
        ObjectNode r = Json.object().put("policy", word == null ? "no" : word);
        JsonNode backoff = Json.field(ext, "backoff");
        if (backoff != null) {
            Json.object(backoff, "backoff");
            Json.only(backoff, "backoff.", Set.of("initial", "max", "reset"));
            copy(backoff, "initial", r, "initialDelay");
            copy(backoff, "max", r, "maxDelay");
            copy(backoff, "reset", r, "resetAfter");
        }
        JsonNode limit = Json.field(ext, "start_limit");
        if (limit != null) {
            Json.object(limit, "start_limit");
            Json.only(limit, "start_limit.", Set.of("burst", "interval"));
            copy(limit, "burst", r, "startLimitBurst");
            copy(limit, "interval", r, "startLimitInterval");
        }
        return r;
    }

    private static void copy(JsonNode from, String name, ObjectNode to, String as) {
        JsonNode v = Json.field(from, name);
        if (v != null) {
            to.set(as, v);
        }
    }
}
