package overseer.server;

import overseer.wire.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.Identifiers;
import overseer.core.OverseerException;
import overseer.core.spi.StateStore;
import overseer.supervisor.Command;
import overseer.supervisor.Commands;
import overseer.supervisor.Diagnostics;
import overseer.supervisor.Job;
import overseer.supervisor.JobResult;
import overseer.supervisor.JobState;
import overseer.supervisor.Supervisor;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * /v1/jobs: 0-core's process manager over HTTP. POST a Command (0-core's JSON); GET a job, live or ended
 * (ended jobs' results come from the state store, so they outlive the daemon); kill; wait.
 */
final class JobRoutes implements HttpService {
    private static final Duration MAX_WAIT = Duration.ofMinutes(10);
    private final Supervisor supervisor;
    private final StateStore store;
    private final JobLedger ledger;

    JobRoutes(Supervisor supervisor, StateStore store) {
        this.supervisor = supervisor;
        this.store = store;
        this.ledger = new JobLedger(supervisor, store);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::submit)
                .get("/", this::list)
                .get("/{id}", this::get)
                .post("/{id}/kill", this::kill)
                .post("/{id}/wait", this::await);
    }

    private static String id(ServerRequest req) {
        return Identifiers.require("id", req.path().pathParameters().get("id"));
    }

    private static void json(ServerResponse res, Status status, String body) {
        res.status(status).header("Content-Type", "application/json").send(body);
    }

    private void submit(ServerRequest req, ServerResponse res) {
        String body = Bodies.json(req);
        Command parsed = Commands.parse(body.isBlank() ? "null" : body);
        Command cmd = parsed.id().isEmpty() ? parsed.withId(UUID.randomUUID().toString()) : parsed;
        Identifiers.require("id", cmd.id()); // before the ledger keeps it: a refused id must leave no record
        // Written down before it runs, so that a daemon restarted at any point takes it back (or has its result).
        ledger.submitted(cmd, body);
        Job job = supervisor.run(cmd);
        Optional<JobResult> refused = job.onResult().isDone() ? job.lastResult() : Optional.empty();
        if (refused.isPresent() && (refused.get().state() == JobState.UNKNOWN_CMD
                || refused.get().state() == JobState.DUPILICATE_ID)) {
            json(res, refused.get().state() == JobState.UNKNOWN_CMD ? Status.BAD_REQUEST_400 : Status.CONFLICT_409,
                    Commands.toJson(refused.get()));
            return;
        }
        json(res, Status.ACCEPTED_202, Json.write(view(job)));
    }

    private void list(ServerRequest req, ServerResponse res) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        supervisor.jobs().values().forEach(j -> a.add(view(j)));
        json(res, Status.OK_200, Json.write(a));
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = id(req);
        Optional<Job> live = Optional.ofNullable(supervisor.jobs().get(id));
        if (live.isPresent()) {
            json(res, Status.OK_200, Json.write(view(live.get())));
            return;
        }
        json(res, Status.OK_200, store.jobResult(id).orElseThrow(() -> OverseerException.notFound("job does not exist: %s", id)));
    }

    private void kill(ServerRequest req, ServerResponse res) {
        Job job = supervisor.job(id(req));
        job.kill();
        json(res, Status.ACCEPTED_202, Json.write(view(job)));
    }

    private void await(ServerRequest req, ServerResponse res) throws InterruptedException {
        String id = id(req);
        long seconds = req.query().first("timeout").map(s -> Json.parseLong("timeout", s)).orElse(MAX_WAIT.toSeconds());
        Optional<Job> live = Optional.ofNullable(supervisor.jobs().get(id));
        if (live.isEmpty()) {
            get(req, res);
            return;
        }
        Optional<JobResult> r = live.get().await(Duration.ofSeconds(Math.min(Math.max(seconds, 0), MAX_WAIT.toSeconds())));
        if (r.isPresent()) {
            json(res, Status.OK_200, Commands.toJson(r.get()));
        } else {
            throw OverseerException.timedOut("job %s is still running", id);
        }
    }

    /** An ended job as the store keeps it: its JobResult, plus its restarts and exit log (vic's diagnostics). */
    static ObjectNode ended(JobResult r, Diagnostics d) {
        ObjectNode o = (ObjectNode) Json.MAPPER.readTree(Commands.toJson(r));
        o.put("restarts", d.resurrectionCount());
        ArrayNode log = o.putArray("exitLog");
        for (Diagnostics.ExitLogEntry e : d.exitLog()) {
            ObjectNode x = log.addObject().put("time", e.time().toString()).put("state", e.state().name())
                    .put("exitCode", e.exitCode()).put("oomKilled", e.oomKilled()).put("message", e.message());
            e.signal().ifPresentOrElse(sig -> x.put("signal", sig), () -> x.putNull("signal"));
        }
        return o;
    }

    private static ObjectNode view(Job j) {
        ObjectNode o = Json.object();
        o.put("id", j.command().id());
        o.put("command", j.command().command());
        o.put("running", !j.onResult().isDone());
        o.put("pid", j.pid());
        o.put("restarts", j.diagnostics().resurrectionCount());
        j.lastResult().ifPresent(r -> o.set("lastResult", Json.MAPPER.readTree(Commands.toJson(r))));
        return o;
    }
}
