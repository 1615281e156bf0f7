package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.OverseerException;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Task ids as docker takes them: the whole id, or any prefix that names one task only. */
final class Ids {
    private Ids() {
    }

    static String resolve(OverseerClient client, String namespace, String given) {
        List<String> matches = new ArrayList<>();
        for (JsonNode t : client.tasks(namespace)) {
            String id = t.get("id").asString();
            if (id.equals(given)) {
                return id;
            }
            if (id.startsWith(given)) {
                matches.add(id);
            }
        }
        if (matches.size() == 1) {
            return matches.getFirst();
        }
        if (matches.isEmpty()) {
            throw OverseerException.notFound("task does not exist: %s/%s", namespace, given);
        }
        throw OverseerException.invalidField("ID", "\"%s\" is the start of %d tasks (%s): give more of it",
                given, matches.size(), String.join(", ", matches.stream().sorted().toList()));
    }
}
