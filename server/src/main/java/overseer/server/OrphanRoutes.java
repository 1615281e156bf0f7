package overseer.server;

import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.wire.Json;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** /v1/orphans: the tasks this daemon found at start that its store did not know, and what it did with them. */
final class OrphanRoutes implements HttpService {
    private final TaskService tasks;

    OrphanRoutes(TaskService tasks) {
        this.tasks = tasks;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("orphans");
        for (Orphans.Found f : tasks.orphans()) {
            a.addObject().put("namespace", f.namespace()).put("id", f.id()).put("pid", f.pid()).put("where", f.where())
                    .put("action", f.action()).put("foundAt", f.foundAt().toString());
        }
        res.status(Status.OK_200).header("Content-Type", "application/json").send(Json.write(o));
    }
}
