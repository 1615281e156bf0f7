package overseer.server;

import overseer.wire.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.internal.Identifiers;
import overseer.supervisor.ServiceStatus;
import overseer.supervisor.SliceRun;
import overseer.supervisor.Supervisor;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;

/**
 * /v1/slices/{name}: 0-core's RunSlice over HTTP. PUT a slice file (the YAML of docs/slices.md) to start its
 * services in dependency order, GET their states, DELETE to stop them in reverse order. A slice's jobs are
 * named "&lt;name&gt;-&lt;service&gt;". The slices are the supervisor's ({@link overseer.supervisor.Slices}), so that
 * the daemon takes them back before the API opens; their YAML is kept in the state store until DELETE.
 */
final class SliceRoutes implements HttpService {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private final Supervisor supervisor;

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
        String yaml = Bodies.yaml(req);
        SliceRun run = supervisor.slices().start(name, yaml);
        res.status(Status.CREATED_201).header("Content-Type", "application/json").send(Json.write(view(name, run)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        String name = name(req);
        res.header("Content-Type", "application/json").send(Json.write(view(name, supervisor.slices().slice(name))));
    }

    private void stop(ServerRequest req, ServerResponse res) throws InterruptedException {
        String name = name(req);
        SliceRun run = supervisor.slices().delete(name, STOP_GRACE);
        res.header("Content-Type", "application/json").send(Json.write(view(name, run)));
    }

    private static ObjectNode view(String name, SliceRun run) {
        ObjectNode o = Json.object().put("name", name);
        ArrayNode services = o.putArray("services");
        for (ServiceStatus s : run.statuses()) {
            services.addObject().put("service", s.service()).put("state", s.state().name())
                    .put("reason", s.reason()).put("since", s.since().toString()).put("job", s.jobId());
        }
        return o;
    }
}
