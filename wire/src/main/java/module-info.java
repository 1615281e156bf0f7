/** The daemon's typed spec and its one JSON encoding ({@code Json.MAPPER}, a Jackson mapper: hence transitive). */
module overseer.wire {
    requires transitive overseer.core;
    requires transitive tools.jackson.databind;

    exports overseer.wire;
    opens overseer.wire to tools.jackson.databind;
}
