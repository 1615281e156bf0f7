package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.Resources;
import overseer.server.Daemon;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.List;

/** `overseer run -d`: the task is created and started on the daemon, and the CLI returns at once. */
final class Detached {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Detached() {
    }

    static int run(Path socket, String namespace, String id, List<String> command, List<String> env, Path cwd,
                   String user, Resources limits, boolean json) {
        String envSocket = System.getenv("OVERSEER_SOCKET");
        Path s = socket != null ? socket : envSocket != null && !envSocket.isEmpty() ? Path.of(envSocket) : Daemon.defaultSocket();
        OverseerClient client = new OverseerClient(s);
        // No -w: the daemon's runtime decides (an isolated task's root has no copy of this directory).
        ObjectNode spec = ClientCommands.spec(id, command, env,
                cwd == null ? null : cwd.toAbsolutePath().normalize().toString(), user);
        if (!limits.isEmpty()) {
            spec.set("resources", resources(limits));
        }
        client.createTask(namespace, spec);
        JsonNode started = client.start(namespace, id);
        System.out.println(json ? JSON.writeValueAsString(started) : id);
        return 0;
    }

    /** The API's resources object. */
    static ObjectNode resources(Resources limits) {
        ObjectNode r = JSON.createObjectNode();
        limits.cpus().ifPresent(v -> r.put("cpus", v));
        limits.cpuWeight().ifPresent(v -> r.put("cpuWeight", v));
        limits.memoryBytes().ifPresent(v -> r.put("memoryBytes", v));
        limits.swapBytes().ifPresent(v -> r.put("swapBytes", v));
        limits.pidsLimit().ifPresent(v -> r.put("pidsLimit", v));
        limits.ioWeight().ifPresent(v -> r.put("ioWeight", v));
        return r;
    }
}
