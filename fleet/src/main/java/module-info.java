/** Daemons sharing one command stream on NATS JetStream. */
module overseer.fleet {
    requires transitive overseer.supervisor;
    requires transitive overseer.server;
    requires overseer.client;
    requires io.nats.jnats;
    requires tools.jackson.databind;

    exports overseer.fleet;
    opens overseer.fleet to tools.jackson.databind;
}
