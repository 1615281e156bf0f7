package overseer.server;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.OverseerException;
import overseer.wire.Json;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/** /v1/services: the declared services of `--services DIR`. */
final class ServiceRoutes implements HttpService {
    private final Optional<ServiceDirectory> services;

    ServiceRoutes(Optional<ServiceDirectory> services) {
        this.services = services;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/reload", this::reload);
    }

    /** Reads the service files again and applies the difference; answers what was done to each service. */
    private void reload(ServerRequest req, ServerResponse res) throws InterruptedException {
        ServiceDirectory dir = services.orElseThrow(() -> OverseerException.failedPrecondition(
                "reload: this daemon has no service directory (start it with --services DIR)"));
        ServiceDirectory.Report r = dir.reload();
        LifecycleLog.servicesReloaded(dir.dir(), r);
        res.status(Status.OK_200).header("Content-Type", "application/json").send(Json.write(json(r)));
    }

    static ObjectNode json(ServiceDirectory.Report r) {
        ObjectNode o = Json.object();
        list(o.putArray("started"), r.started());
        list(o.putArray("restarted"), r.restarted());
        list(o.putArray("stopped"), r.stopped());
        list(o.putArray("unchanged"), r.unchanged());
        ObjectNode failed = o.putObject("failed");
        r.failed().forEach(failed::put);
        return o;
    }

    private static void list(ArrayNode a, List<String> names) {
        names.forEach(a::add);
    }
}
