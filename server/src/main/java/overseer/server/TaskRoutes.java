package overseer.server;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
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
                .post("/{ns}/tasks/{id}/kill", this::kill)
                .post("/{ns}/tasks/{id}/pause", this::pause)
                .post("/{ns}/tasks/{id}/resume", this::resume)
                .get("/{ns}/tasks/{id}/pids", this::pids)
                .get("/{ns}/tasks/{id}/stats", this::stats)
                .post("/{ns}/tasks/{id}/update", this::update)
                .post("/{ns}/tasks/{id}/checkpoint", this::checkpoint)
                .post("/{ns}/tasks/{id}/exec", this::exec)
                .post("/{ns}/tasks/{id}/execs/{exec}/wait", this::awaitExec)
                .post("/{ns}/tasks/{id}/wait", this::await)
                .delete("/{ns}/tasks/{id}", this::delete);
    }

    private static String ns(ServerRequest req) {
        return req.path().pathParameters().get("ns");
    }

    private Task task(ServerRequest req) {
        return service.tasks().get(ns(req), req.path().pathParameters().get("id"));
    }

    private static void json(ServerResponse res, Status status, JsonNode body) {
        res.status(status).header("Content-Type", "application/json").send(ApiJson.write(body));
    }

    private void create(ServerRequest req, ServerResponse res) {
        String body = body(req);
        TaskSpec spec = ApiJson.taskSpec(ApiJson.read(body), service.logDir(ns(req)));
        Task t = service.create(ns(req), spec, body);
        json(res, Status.CREATED_201, ApiJson.task(t));
    }

    private void list(ServerRequest req, ServerResponse res) {
        ArrayNode a = ApiJson.JSON.createArrayNode();
        service.tasks().list(ns(req)).forEach(t -> a.add(ApiJson.task(t)));
        json(res, Status.OK_200, a);
    }

    private void get(ServerRequest req, ServerResponse res) {
        json(res, Status.OK_200, ApiJson.task(task(req)));
    }

    private void start(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        json(res, Status.OK_200, ApiJson.task(service.start(t.namespace(), t.id())));
    }

    /** {"signal": "SIGTERM", "all": true}; both optional (SIGTERM, all). */
    private void kill(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        String body = body(req);
        Signal signal = Signal.SIGTERM;
        boolean all = true;
        if (!body.isBlank()) {
            JsonNode n = ApiJson.read(body);
            ApiJson.only(n, "", Set.of("signal", "all"));
            String s = ApiJson.string(n, "signal", false);
            if (s != null) {
                signal = Signal.parse(s);
            }
            JsonNode a = n.get("all");
            if (a != null && !a.isNull()) {
                if (!a.isBoolean()) {
                    throw OverseerException.invalidArgument("all: expected true or false, got %s", a);
                }
                all = a.asBoolean();
            }
        }
        t.kill(signal, all);
        json(res, Status.OK_200, ApiJson.task(t));
    }

    private void pause(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        service.pause(t.namespace(), t.id());
        json(res, Status.OK_200, ApiJson.task(t));
    }

    private void resume(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        service.resume(t.namespace(), t.id());
        json(res, Status.OK_200, ApiJson.task(t));
    }

    private void stats(ServerRequest req, ServerResponse res) {
        json(res, Status.OK_200, ApiJson.stats(task(req).stats()));
    }

    /** containerd's Update: the body is a resources object; the limits given replace those in force. */
    private void update(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        t.update(ApiJson.resources(ApiJson.read(body(req))));
        json(res, Status.OK_200, ApiJson.task(t));
    }

    /** {"path": "/dir/for/the/image", "leaveRunning": false}: a criu image of the task (isolated tasks). */
    private void checkpoint(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        JsonNode n = ApiJson.read(body(req));
        ApiJson.only(n, "", Set.of("path", "leaveRunning"));
        String path = ApiJson.string(n, "path", true);
        JsonNode leave = n.get("leaveRunning");
        if (leave != null && !leave.isBoolean()) {
            throw OverseerException.invalidArgument("leaveRunning: expected true or false, got %s", leave);
        }
        t.checkpoint(java.nio.file.Path.of(path), leave != null && leave.asBoolean());
        json(res, Status.OK_200, ApiJson.task(t));
    }

    /** {"execId", "process": {...}}: an extra process in the running task, started at once. */
    private void exec(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        JsonNode n = ApiJson.read(body(req));
        ApiJson.only(n, "", Set.of("execId", "process"));
        String execId = ApiJson.string(n, "execId", true);
        overseer.core.Process p = t.exec(execId, ApiJson.process(n.get("process"), service.logDir(t.namespace()),
                t.id() + "." + overseer.core.Identifiers.require("execId", execId)));
        p.start();
        json(res, Status.CREATED_201, ApiJson.object().put("execId", execId).put("pid", p.pid()));
    }

    private void awaitExec(ServerRequest req, ServerResponse res) throws InterruptedException {
        overseer.core.Process p = task(req).process(req.path().pathParameters().get("exec"));
        Duration timeout = req.query().first("timeout").map(s -> seconds("timeout", s)).orElse(MAX_WAIT);
        Optional<Exit> exit = p.await(timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout);
        if (exit.isPresent()) {
            json(res, Status.OK_200, ApiJson.exit(exit.get()));
        } else {
            json(res, Status.REQUEST_TIMEOUT_408, ApiJson.object().put("kind", "unavailable")
                    .put("message", "process " + p.id() + " did not exit within " + timeout.toSeconds() + " s"));
        }
    }

    private void pids(ServerRequest req, ServerResponse res) {
        json(res, Status.OK_200, ApiJson.pids(task(req).pids()));
    }

    /** Waits for the exit, at most ?timeout=SECONDS (default and cap 10 minutes): 200 with the exit, or 408. */
    private void await(ServerRequest req, ServerResponse res) throws InterruptedException {
        Task t = task(req);
        Duration timeout = req.query().first("timeout").map(s -> seconds("timeout", s)).orElse(MAX_WAIT);
        Optional<Exit> exit = t.await(timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout);
        if (exit.isPresent()) {
            json(res, Status.OK_200, ApiJson.exit(exit.get()));
        } else {
            json(res, Status.REQUEST_TIMEOUT_408, ApiJson.object().put("kind", "unavailable")
                    .put("message", "task " + t.id() + " did not exit within " + timeout.toSeconds() + " s"));
        }
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Task t = task(req);
        Optional<Exit> exit = t.exit();
        service.delete(t.namespace(), t.id());
        json(res, Status.OK_200, exit.map(ApiJson::exit).orElse(ApiJson.object()));
    }

    private static String body(ServerRequest req) {
        return req.content().hasEntity() ? req.content().as(String.class) : "";
    }

    private static Duration seconds(String field, String s) {
        try {
            long n = Long.parseLong(s);
            if (n < 0) {
                throw OverseerException.invalidArgument("%s: must not be negative, got %s", field, s);
            }
            return Duration.ofSeconds(n);
        } catch (NumberFormatException e) {
            throw OverseerException.invalidArgument("%s: expected whole seconds, got \"%s\"", field, s);
        }
    }
}
