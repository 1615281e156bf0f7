package overseer.fleet;

import tools.jackson.databind.json.JsonMapper;

/** The fleet's one mapper. */
final class FleetJson {
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private FleetJson() {
    }
}
