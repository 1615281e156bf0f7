package overseer.server;

import overseer.wire.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.Exit;
import overseer.core.Identifiers;
import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.wire.SpecJson;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * /v1/namespaces/{ns}/tasks: containerd's task API over HTTP.
 */
final class TaskRoutes implements HttpService {
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private final TaskService service;

    TaskRoutes(TaskService service) {
        this.service = service;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{ns}/tasks", this::create)
                .get("/{ns}/tasks", this::list)
                .get("/{ns}/tasks/{id}", this::get)
                .post("/{ns}/tasks/{id}/start", this::start)
                .post("/{ns}/tasks/{id}/stop", this::stop)
                .post("/{ns}/tasks/{id}/restart", this::restart)
                .post("/{ns}/tasks/{id}/kill", this::kill)
                .post("/{ns}/tasks/{id}/pause", this::pause)
                .post("/{ns}/tasks/{id}/resume", this::resume)
                .get("/{ns}/tasks/{id}/pids", this::pids)
                .get("/{ns}/tasks/{id}/stats", this::stats)
                .post("/{ns}/tasks/{id}/update", this::update)
                .post("/{ns}/tasks/{id}/checkpoint", this::checkpoint)
                .post("/{ns}/tasks/{id}/exec", this::exec)
                .post("/{ns}/tasks/{id}/execs/{exec}/wait", this::awaitExec)
                .post("/{ns}/tasks/{id}/execs/{exec}/start", this::startExec)
                .get("/{ns}/tasks/{id}/execs/{exec}/attach", this::attach)
                .post("/{ns}/tasks/{id}/execs/{exec}/stdin", this::stdin)
                .post("/{ns}/tasks/{id}/execs/{exec}/resize", this::resize)
                .post("/{ns}/tasks/{id}/wait", this::await)
                .delete("/{ns}/tasks/{id}", this::delete);
    }

    /** The {ns} of the path, held to the identifier rule before anything is looked up or built from it. */
    static String ns(ServerRequest req) {
        return Identifiers.require("namespace", req.path().pathParameters().get("ns"));
    }

    static String id(ServerRequest req) {
        return Identifiers.require("id", req.path().pathParameters().get("id"));
    }

    private static String execId(ServerRequest req) {
        return Identifiers.require("execId", req.path().pathParameters().get("exec"));
    }

    private Task task(ServerRequest req) {
        return service.tasks().get(ns(req), id(req));
    }

    private static void json(ServerResponse res, Status status, JsonNode body) {
        res.status(status).header("Content-Type", "application/json").send(Json.write(body));
    }

    private void create(ServerRequest req, ServerResponse res) {
        Task t = service.create(ns(req), SpecJson.read(Json.read(body(req))));
        json(res, Status.CREATED_201, view(t));
    }

    private void list(ServerRequest req, ServerResponse res) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        service.tasks().list(ns(req)).forEach(t -> a.add(view(t)));
        json(res, Status.OK_200, a);
    }

    /** Every namespace's tasks: `ps --all-namespaces`. */
    void listAll(ServerRequest req, ServerResponse res) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        service.tasks().list().forEach(t -> a.add(view(t)));
        json(res, Status.OK_200, a);
    }

    private void get(ServerRequest req, ServerResponse res) {
        json(res, Status.OK_200, view(task(req)));
    }

    /** A task with its supervision when the API made it (a job's tasks have none). */
    private JsonNode view(Task t) {
        try {
            return ApiJson.task(t, service.services().view(t));
        } catch (OverseerException notOurs) {
            return ApiJson.task(t);
        }
    }

    /** An operator's stop: the stop signal, SIGKILL after the grace; no restart policy starts it again. */
    private void stop(ServerRequest req, ServerResponse res) throws InterruptedException {
        Task t = task(req);
        service.services().stop(t.namespace(), t.id(), grace(req));
        json(res, Status.OK_200, view(service.tasks().get(t.namespace(), t.id())));
    }

    /** Stop, then a new run. */
    private void restart(ServerRequest req, ServerResponse res) throws InterruptedException {
        Task t = task(req);
        json(res, Status.OK_200, view(service.services().restartNow(t.namespace(), t.id(), grace(req))));
    }

    private void start(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        json(res, Status.OK_200, view(service.start(t.namespace(), t.id())));
    }

    /** {"signal": "SIGTERM", "all": true}; both optional (SIGTERM, all). */
    private void kill(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        String body = body(req);
        Signal signal = Signal.SIGTERM;
        boolean all = true;
        if (!body.isBlank()) {
            JsonNode n = Json.read(body);
            Json.only(n, "", Set.of("signal", "all"));
            String s = Json.string(n, "signal", false);
            if (s != null) {
                signal = Signal.parse(s);
            }
            JsonNode a = n.get("all");
            if (a != null && !a.isNull()) {
                if (!a.isBoolean()) {
                    throw OverseerException.invalidField("all", "expected true or false, got %s", a);
                }
                all = a.asBoolean();
            }
        }
        t.kill(signal, all);
        json(res, Status.OK_200, view(t));
    }

    private void pause(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        service.pause(t.namespace(), t.id());
        json(res, Status.OK_200, view(t));
    }

    private void resume(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        service.resume(t.namespace(), t.id());
        json(res, Status.OK_200, view(t));
    }

    private void stats(ServerRequest req, ServerResponse res) {
        json(res, Status.OK_200, ApiJson.stats(task(req).stats()));
    }

    /** containerd's Update: the body is a resources object; the limits given replace those in force. */
    private void update(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        json(res, Status.OK_200, view(service.update(t.namespace(), t.id(), SpecJson.resources(Json.read(body(req))))));
    }

    /** {"path": "/dir/for/the/image", "leaveRunning": false}: a criu image of the task (isolated tasks). */
    private void checkpoint(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        JsonNode n = Json.read(body(req));
        Json.only(n, "", Set.of("path", "leaveRunning"));
        String path = Json.string(n, "path", true);
        JsonNode leave = n.get("leaveRunning");
        if (leave != null && !leave.isBoolean()) {
            throw OverseerException.invalidField("leaveRunning", "expected true or false, got %s", leave);
        }
        java.nio.file.Path image = Json.path("path", path);
        if (!image.isAbsolute()) {
            throw OverseerException.invalidField("path", "must be absolute, got \"%s\"", path);
        }
        t.checkpoint(image, leave != null && leave.asBoolean());
        json(res, Status.OK_200, view(t));
    }

    /**
     * {"execId", "process": {...}, "start": true}: an extra process in the running task, started at once
     * unless "start" is false (attach first, then start, to miss none of a terminal's output).
     */
    private void exec(ServerRequest req, ServerResponse res) throws java.io.IOException {
        Task t = task(req);
        JsonNode n = Json.read(body(req));
        Json.only(n, "", Set.of("execId", "process", "start"));
        String execId = Json.string(n, "execId", true);
        String name = t.id() + "." + Identifiers.require("execId", execId);
        JsonNode start = n.get("start");
        if (start != null && !start.isBoolean()) {
            throw OverseerException.invalidField("start", "expected true or false, got %s", start);
        }
        overseer.core.TaskProcess p = t.exec(execId, TaskService.logged(execSpec(t, n.get("process")), service.logDir(t.namespace()), name));
        if (p.spec().terminal()) {
            p.output().addSink(new RawFileSink(service.logDir(t.namespace()).resolve(name + ".out")));
        }
        if (start == null || start.asBoolean()) {
            p.start();
        }
        json(res, Status.CREATED_201, Json.object().put("execId", execId).put("pid", p.pid()));
    }

    /**
     * An exec's process. Without "env" (absent or null; {} is an empty one) a process of a host task gets the
     * daemon's own environment, as Lambda's local supervisor gives its Exec when ExecRequest.Env is nil
     * (internal/lambda/supervisor/local_supervisor.go). An isolated task's exec never sees the host's.
     */
    private overseer.core.ProcessSpec execSpec(Task t, JsonNode process) {
        overseer.core.ProcessSpec spec = SpecJson.process(process, "process.");
        JsonNode env = process.get("env");
        boolean isolated = service.spec(t.namespace(), t.id()).task().isolation().isPresent();
        if ((env == null || env.isNull()) && !isolated) {
            return spec.toBuilder().env(System.getenv()).build();
        }
        return spec;
    }

    private overseer.core.TaskProcess execOf(ServerRequest req) {
        return task(req).process(execId(req));
    }

    private void startExec(ServerRequest req, ServerResponse res) {
        overseer.core.TaskProcess p = execOf(req);
        p.start();
        json(res, Status.OK_200, Json.object().put("execId", p.id()).put("pid", p.pid()));
    }

    /**
     * The process's output from now on, raw, until it ends: a terminal seen from afar. With ?start=true the
     * process (created with "start" false) is started once the output is being captured for this client.
     */
    private void attach(ServerRequest req, ServerResponse res) throws InterruptedException {
        overseer.core.TaskProcess p = execOf(req);
        java.util.concurrent.LinkedBlockingQueue<byte[]> chunks = new java.util.concurrent.LinkedBlockingQueue<>();
        byte[] end = new byte[0];
        p.output().addSink(new overseer.core.LogSink() {
            @Override
            public void accept(overseer.core.LogRecord r) {
                chunks.add(r.partial() ? r.payload() : (r.text() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public void close() {
                chunks.add(end);
            }
        });
        if (p.output().drained().isDone()) {
            chunks.add(end);
        }
        if (Boolean.parseBoolean(req.query().first("start").orElse("false"))) {
            p.start(); // attached before the start: none of the output is missed
        }
        res.header("Content-Type", "application/octet-stream");
        try (java.io.OutputStream out = res.outputStream()) {
            for (byte[] c = chunks.take(); c != end; c = chunks.take()) {
                out.write(c);
                out.flush();
            }
        } catch (java.io.IOException clientGone) {
            // the client detached
        }
    }

    /** The body goes to the process's stdin; with ?close=true its stdin is closed afterwards. */
    private void stdin(ServerRequest req, ServerResponse res) throws java.io.IOException {
        overseer.core.TaskProcess p = execOf(req);
        byte[] bytes = Bodies.bytes(req);
        java.io.OutputStream in = p.stdin();
        in.write(bytes);
        in.flush();
        if (Boolean.parseBoolean(req.query().first("close").orElse("false"))) {
            p.closeStdin();
        }
        json(res, Status.OK_200, Json.object().put("written", bytes.length));
    }

    /** {"columns", "rows"}: the size of the process's terminal. */
    private void resize(ServerRequest req, ServerResponse res) {
        overseer.core.TaskProcess p = execOf(req);
        JsonNode n = Json.read(body(req));
        Json.only(n, "", Set.of("columns", "rows"));
        JsonNode c = n.get("columns");
        JsonNode r = n.get("rows");
        if (c == null || r == null) {
            throw OverseerException.invalidArgument("columns, rows: both must be given");
        }
        p.resizePty((int) Json.whole(c, "columns"), (int) Json.whole(r, "rows"));
        json(res, Status.OK_200, Json.object().put("columns", c.asInt()).put("rows", r.asInt()));
    }

    private void awaitExec(ServerRequest req, ServerResponse res) throws InterruptedException {
        overseer.core.TaskProcess p = execOf(req);
        Duration timeout = req.query().first("timeout").map(s -> duration("timeout", s)).orElse(MAX_WAIT);
        Optional<Exit> exit = p.await(timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout);
        if (exit.isPresent()) {
            json(res, Status.OK_200, ApiJson.exit(exit.get()));
        } else {
            throw OverseerException.timedOut("process %s did not exit within %s", p.id(), Json.text(timeout));
        }
    }

    private void pids(ServerRequest req, ServerResponse res) {
        json(res, Status.OK_200, ApiJson.pids(task(req).pids()));
    }

    /** Waits for the exit, at most ?timeout=SECONDS (default and cap 10 minutes): 200 with the exit, or 408. */
    private void await(ServerRequest req, ServerResponse res) throws InterruptedException {
        Task t = task(req);
        Duration timeout = req.query().first("timeout").map(s -> duration("timeout", s)).orElse(MAX_WAIT);
        Optional<Exit> exit = t.await(timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout);
        if (exit.isPresent()) {
            json(res, Status.OK_200, ApiJson.exit(exit.get()));
        } else {
            throw OverseerException.timedOut("task %s did not exit within %s", t.id(), Json.text(timeout));
        }
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        Optional<Exit> exit = t.exit();
        service.delete(t.namespace(), t.id());
        json(res, Status.OK_200, exit.map(ApiJson::exit).orElse(Json.object()));
    }

    private static String body(ServerRequest req) {
        return Bodies.json(req);
    }

    /** A query duration: "500ms", "2s", "1m", or a bare number of seconds (what earlier clients sent). */
    private static Duration duration(String field, String s) {
        if (s.chars().allMatch(Character::isDigit) && !s.isEmpty() && s.length() <= 12) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        return overseer.core.Durations.parse(field, s);
    }

    private static Optional<Duration> grace(ServerRequest req) {
        return req.query().first("grace").map(s -> duration("grace", s));
    }
}
