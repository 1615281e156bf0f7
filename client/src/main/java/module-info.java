/** The daemon's API for Java over its Unix socket; answers are Jackson trees (hence transitive). */
module overseer.client {
    requires transitive overseer.core;
    requires transitive overseer.wire;
    requires transitive tools.jackson.databind;

    exports overseer.client;
}
