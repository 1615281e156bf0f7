package overseer.client;

import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The daemon's API for Java. Answers are the API's JSON; failures come back as the
 * {@link OverseerException} the daemon raised, with its kind, and UNAVAILABLE when the daemon cannot be
 * reached. Requests share a few kept-alive connections ({@link UnixHttp}); close the client to close them.
 */
public final class OverseerClient implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final UnixHttp http;
    private final Path socket;

    public OverseerClient(Path socket) {
        this.socket = socket;
        this.http = new UnixHttp(socket);
    }

    /** Closes the idle connections kept for the next requests. */
    @Override
    public void close() {
        http.close();
    }

    public JsonNode health() {
        return call("GET", "/healthz", null);
    }

    // --- tasks ------------------------------------------------------------------------------------------

    /** Creates a task from the API's JSON: {"id", "process": {"args", "env", "cwd", "user"}, "resources"}. */
    /** Creates a task from its typed spec (the one encoding of overseer-wire). */
    public JsonNode createTask(String namespace, overseer.wire.ServiceSpec spec) {
        return createTask(namespace, overseer.wire.SpecJson.write(spec));
    }

    public JsonNode createTask(String namespace, JsonNode spec) {
        return call("POST", tasksPath(namespace), spec);
    }

    /** The tasks of every namespace. */
    public JsonNode allTasks() {
        return call("GET", "/v1/tasks", null);
    }

    public JsonNode tasks(String namespace) {
        return call("GET", tasksPath(namespace), null);
    }

    public JsonNode task(String namespace, String id) {
        return call("GET", task(namespace, id, ""), null);
    }

    public JsonNode start(String namespace, String id) {
        return call("POST", task(namespace, id, "/start"), null);
    }

    public JsonNode kill(String namespace, String id, String signal, boolean all) {
        ObjectNode body = JSON.createObjectNode().put("signal", signal).put("all", all);
        return call("POST", task(namespace, id, "/kill"), body);
    }

    public JsonNode pause(String namespace, String id) {
        return call("POST", task(namespace, id, "/pause"), null);
    }

    public JsonNode resume(String namespace, String id) {
        return call("POST", task(namespace, id, "/resume"), null);
    }

    public JsonNode pids(String namespace, String id) {
        return call("GET", task(namespace, id, "/pids"), null);
    }

    public JsonNode stats(String namespace, String id) {
        return call("GET", task(namespace, id, "/stats"), null);
    }

    /** containerd's Update: {"cpus", "cpuWeight", "memoryBytes", "swapBytes", "pidsLimit", "ioWeight"}. */
    public JsonNode update(String namespace, String id, JsonNode resources) {
        return call("POST", task(namespace, id, "/update"), resources);
    }

    /** Starts an extra process in the running task: {"args", "env", "cwd", "user"}. */
    public JsonNode exec(String namespace, String id, String execId, JsonNode process) {
        ObjectNode body = JSON.createObjectNode().put("execId", execId);
        body.set("process", process);
        return call("POST", task(namespace, id, "/exec"), body);
    }

    /** An extra process created but not started (attach to it first), then {@link #startExec}. */
    public JsonNode createExec(String namespace, String id, String execId, JsonNode process) {
        ObjectNode body = JSON.createObjectNode().put("execId", execId).put("start", false);
        body.set("process", process);
        return call("POST", task(namespace, id, "/exec"), body);
    }

    public JsonNode startExec(String namespace, String id, String execId) {
        return call("POST", task(namespace, id, "/execs/" + enc(execId) + "/start"), null);
    }

    /**
     * Attaches to an exec'd process's output, every chunk to {@code out} until the process ends; with
     * {@code start}, the daemon starts the process (created with start false) once it is attached, so none
     * of its output is missed. {@code streaming} runs when the output begins to flow.
     */
    public void attach(String namespace, String id, String execId, boolean start, Runnable streaming, OutputStream out) {
        try {
            http.stream("GET", task(namespace, id, "/execs/" + enc(execId) + "/attach?start=" + start), (status, headers, body) -> {
                if (status >= 400) {
                    throw error(status, new String(body.readAllBytes(), StandardCharsets.UTF_8));
                }
                streaming.run();
                byte[] buf = new byte[8192];
                for (int n = body.read(buf); n >= 0; n = body.read(buf)) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                return null;
            });
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** Writes {@code bytes} to an exec'd process's stdin; with {@code close}, closes it afterwards. */
    public void stdin(String namespace, String id, String execId, byte[] bytes, boolean close) {
        UnixHttp.Response r;
        try {
            r = http.send("POST", task(namespace, id, "/execs/" + enc(execId) + "/stdin?close=" + close),
                    "application/octet-stream", bytes);
        } catch (IOException e) {
            throw unreachable(e);
        }
        if (r.status() >= 400) {
            throw error(r.status(), r.text());
        }
    }

    public JsonNode resize(String namespace, String id, String execId, int columns, int rows) {
        return call("POST", task(namespace, id, "/execs/" + enc(execId) + "/resize"),
                JSON.createObjectNode().put("columns", columns).put("rows", rows));
    }

    public JsonNode awaitExec(String namespace, String id, String execId, Duration timeout) {
        return call("POST", task(namespace, id, "/execs/" + enc(execId) + "/wait?timeout=" + timeout.toMillis() + "ms"), null);
    }

    /** The exit, waiting at most {@code timeout}; UNAVAILABLE when the task is still running then. */
    public overseer.core.Exit await(String namespace, String id, Duration timeout) {
        return overseer.wire.SpecJson.exit(call("POST", task(namespace, id, "/wait?timeout=" + timeout.toMillis() + "ms"), null));
    }

    /** An operator's stop (stop signal, SIGKILL after the grace); no restart policy starts the task again. */
    public JsonNode stop(String namespace, String id) {
        return call("POST", task(namespace, id, "/stop"), null);
    }

    /** A stop with its own grace instead of the task's (docker stop -t). */
    public JsonNode stop(String namespace, String id, Duration grace) {
        return call("POST", task(namespace, id, "/stop?grace=" + grace.toMillis() + "ms"), null);
    }

    /** Reads the daemon's service files again and applies the difference. */
    public JsonNode reload() {
        return call("POST", "/v1/services/reload", null);
    }

    /** Stop, then a new run. */
    /** A restart whose stop has its own grace instead of the task's (docker restart -t). */
    public JsonNode restart(String namespace, String id, Duration grace) {
        return call("POST", task(namespace, id, "/restart?grace=" + grace.toMillis() + "ms"), null);
    }

    public JsonNode restart(String namespace, String id) {
        return call("POST", task(namespace, id, "/restart"), null);
    }

    public JsonNode delete(String namespace, String id) {
        return call("DELETE", task(namespace, id, ""), null);
    }

    /** Copies the task's output to {@code out}; with {@code follow}, until the task has stopped. */
    public void logs(String namespace, String id, String stream, boolean follow, OutputStream out) {
        logs(namespace, id, null, stream, follow, out);
    }

    /** Like {@link #logs(String, String, String, boolean, OutputStream)} for an exec'd process when {@code execId} is set. */
    public void logs(String namespace, String id, String execId, String stream, boolean follow, OutputStream out) {
        logs(namespace, id, execId, stream, follow, -1, out);
    }

    /** With {@code tail} ≥ 0, only the last {@code tail} lines of what is kept, then (with follow) what comes. */
    public void logs(String namespace, String id, String execId, String stream, boolean follow, long tail, OutputStream out) {
        String path = task(namespace, id, "/logs?stream=" + enc(stream) + "&follow=" + follow
                + (execId == null ? "" : "&exec=" + enc(execId)) + (tail < 0 ? "" : "&tail=" + tail));
        try {
            http.stream("GET", path, (status, headers, body) -> {
                if (status >= 400) {
                    throw error(status, new String(body.readAllBytes(), StandardCharsets.UTF_8));
                }
                body.transferTo(out);
                out.flush();
                return null;
            });
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** Delivers events (the API's envelope JSON) until {@code sink} returns false or the stream ends. */
    public void events(List<String> topics, String namespace, java.util.function.Predicate<JsonNode> sink) {
        events(topics, namespace, -1, sink);
    }

    /**
     * Like {@link #events(List, String, java.util.function.Predicate)}, but first the events the daemon kept
     * after sequence {@code since} (0 for all it kept; negative for none).
     */
    public void events(List<String> topics, String namespace, long since, java.util.function.Predicate<JsonNode> sink) {
        StringBuilder q = new StringBuilder("/v1/events?");
        if (since >= 0) {
            q.append("since=").append(since).append('&');
        }
        topics.forEach(t -> q.append("topic=").append(enc(t)).append('&'));
        if (namespace != null) {
            q.append("namespace=").append(enc(namespace));
        }
        try {
            http.stream("GET", q.toString(), (status, headers, body) -> {
                if (status >= 400) {
                    throw error(status, new String(body.readAllBytes(), StandardCharsets.UTF_8));
                }
                BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith("data: ") && !sink.test(JSON.readTree(line.substring(6)))) {
                        return null;
                    }
                }
                return null;
            });
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    // --- jobs -------------------------------------------------------------------------------------------

    /** Submits a 0-core command (its JSON). */
    public JsonNode submit(String commandJson) {
        return call("POST", "/v1/jobs", JSON.readTree(commandJson));
    }

    public JsonNode jobs() {
        return call("GET", "/v1/jobs", null);
    }

    public JsonNode job(String id) {
        return call("GET", "/v1/jobs/" + enc(id), null);
    }

    public JsonNode killJob(String id) {
        return call("POST", "/v1/jobs/" + enc(id) + "/kill", null);
    }

    public JsonNode awaitJob(String id, Duration timeout) {
        return call("POST", "/v1/jobs/" + enc(id) + "/wait?timeout=" + timeout.toSeconds(), null);
    }

    // --- plumbing ---------------------------------------------------------------------------------------

    private static String tasksPath(String namespace) {
        return "/v1/namespaces/" + enc(namespace) + "/tasks";
    }

    private static String task(String namespace, String id, String rest) {
        return tasksPath(namespace) + "/" + enc(id) + rest;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private JsonNode call(String method, String path, JsonNode body) {
        UnixHttp.Response r;
        try {
            r = http.send(method, path, "application/json",
                    body == null ? null : JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw unreachable(e);
        }
        if (r.status() >= 400) {
            throw error(r.status(), r.text());
        }
        try {
            return JSON.readTree(r.text());
        } catch (JacksonException e) {
            throw OverseerException.internal("the daemon answered " + r.status() + " with something that is not JSON", e);
        }
    }

    private OverseerException unreachable(IOException e) {
        return OverseerException.unavailable("cannot reach the daemon at %s: %s (is `overseer daemon` running?)",
                socket, e.getMessage());
    }

    /**
     * The daemon's error as it was thrown there: its kind, reason and field by name. A message that does not
     * start with its field (a daemon that words it otherwise) is kept whole, without a field.
     */
    static OverseerException error(int status, String body) {
        try {
            JsonNode n = JSON.readTree(body);
            String kind = n.path("kind").asString("");
            String message = n.path("message").asString(body);
            OverseerException.Reason reason = named(OverseerException.Reason.values(), n.path("reason").asString(""))
                    .orElse(OverseerException.Reason.GENERAL);
            String field = n.path("field").asString("");
            for (ErrorKind k : ErrorKind.values()) {
                if (k.name().toLowerCase(Locale.ROOT).equals(kind)) {
                    if (!field.isBlank() && message.startsWith(field + ": ")) {
                        return new OverseerException(k, reason, field, message.substring(field.length() + 2), null);
                    }
                    return new OverseerException(k, reason, message, null);
                }
            }
            return new OverseerException(status >= 500 ? ErrorKind.INTERNAL : ErrorKind.INVALID_ARGUMENT,
                    kind.isEmpty() ? message : kind + ": " + message);
        } catch (JacksonException e) {
            return new OverseerException(ErrorKind.INTERNAL, "HTTP " + status + ": " + body);
        }
    }

    private static <E extends Enum<E>> java.util.Optional<E> named(E[] values, String name) {
        for (E v : values) {
            if (v.name().toLowerCase(Locale.ROOT).equals(name)) {
                return java.util.Optional.of(v);
            }
        }
        return java.util.Optional.empty();
    }
}
