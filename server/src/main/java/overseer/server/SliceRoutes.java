package overseer.server;

import overseer.wire.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.Identifiers;
import overseer.core.OverseerException;
import overseer.supervisor.SliceFile;
import overseer.supervisor.SliceRun;
import overseer.supervisor.SliceRunner;
import overseer.supervisor.Supervisor;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * /v1/slices/{name}: 0-core's RunSlice over HTTP. PUT a slice file (the YAML of docs/slices.md) to start its
 * services in dependency order, GET their states, DELETE to stop them in reverse order. A slice's jobs are
 * named "&lt;name&gt;-&lt;service&gt;".
 */
final class SliceRoutes implements HttpService {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private final Supervisor supervisor;
    private final Map<String, SliceRun> slices = new ConcurrentHashMap<>();

    SliceRoutes(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.put("/{name}", this::start)
                .get("/{name}", this::get)
                .delete("/{name}", this::stop);
    }

    private static String name(ServerRequest req) {
        return Identifiers.require("name", req.path().pathParameters().get("name"));
    }

    private void start(ServerRequest req, ServerResponse res) {
        String name = name(req);
        String yaml = req.content().hasEntity() ? req.content().as(String.class) : "";
        var slice = SliceFile.parse(yaml);
        if (slices.putIfAbsent(name, new SliceRunner(supervisor, name + "-").start(slice)) != null) {
            throw OverseerException.alreadyExists("slice already exists: %s", name);
        }
        res.status(Status.CREATED_201).header("Content-Type", "application/json").send(Json.write(view(name)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        res.header("Content-Type", "application/json").send(Json.write(view(name(req))));
    }

    private void stop(ServerRequest req, ServerResponse res) throws InterruptedException {
        String name = name(req);
        SliceRun run = slice(name);
        run.stop(STOP_GRACE);
        ObjectNode body = view(name);
        slices.remove(name, run);
        res.header("Content-Type", "application/json").send(Json.write(body));
    }

    private SliceRun slice(String name) {
        SliceRun run = slices.get(name);
        if (run == null) {
            throw OverseerException.notFound("slice does not exist: %s", name);
        }
        return run;
    }

    private ObjectNode view(String name) {
        ObjectNode o = Json.object().put("name", name);
        ArrayNode services = o.putArray("services");
        for (SliceRun.ServiceStatus s : slice(name).statuses()) {
            services.addObject().put("service", s.service()).put("state", s.state().name())
                    .put("reason", s.reason()).put("since", s.since().toString()).put("job", s.jobId());
        }
        return o;
    }
}
