package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.OverseerException;
import overseer.wire.Json;
import overseer.wire.ServiceSpec;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;

/** `overseer run -d`: the task is created and started on the daemon, and the CLI returns at once. */
final class Detached {
    private Detached() {
    }

    static int run(Path socket, String namespace, ServiceSpec spec, boolean json) {
        OverseerClient client = new OverseerClient(socket);
        client.createTask(namespace, spec);
        JsonNode started = client.start(namespace, spec.id());
        System.out.println(json ? Json.write(started) : spec.id());
        return 0;
    }

    /** A flag that means something in the foreground only: refused by name with -d, never dropped. */
    static void refuse(String flag, boolean given, String why) {
        if (given) {
            throw OverseerException.invalidField(flag, "not with -d: %s", why);
        }
    }
}
