package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.OverseerException;
import overseer.wire.Json;
import overseer.wire.ServiceSpec;
import picocli.CommandLine.Command;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;

/**
 * {@code overseer create [run's flags] ID CMD...}: the task `run -d` would start, created on the daemon and left
 * for `start` (docker create). Every flag of `run` is taken; those the daemon cannot honour are refused by name.
 */
@Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Create a task on the daemon (it starts with `start`); takes every flag of `run`.")
final class CreateCommand extends RunCommand {
    @Override
    public Integer call() {
        if (detach) {
            throw OverseerException.invalidField("-d", "create never starts the task (use run -d, or start)");
        }
        if (id == null) {
            if (command.size() < 2 || command.size() == 2 && command.get(1).equals("--")) {
                throw OverseerException.invalidField("ID", "expected an id and a command (create ID -- CMD ...), or --id ID");
            }
            command = new ArrayList<>(command);
            id = command.removeFirst();
            if (command.getFirst().equals("--")) {
                command.removeFirst(); // parsing stopped at the id (see Main): this `--` is the separator
            }
        }
        ServiceSpec spec = detached(id);
        OverseerClient client = new OverseerClient(Globals.socket(verb, socket));
        JsonNode created = client.createTask(Globals.namespace(verb, namespace), spec);
        System.out.println(json ? Json.write(created) : spec.id());
        return 0;
    }
}
