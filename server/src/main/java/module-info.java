/** The daemon: the HTTP API on a Unix socket (Helidon), the durable state (SQLite), recovery. */
module overseer.server {
    requires transitive overseer.core;
    requires transitive overseer.supervisor;
    requires transitive overseer.wire;
    requires overseer.linux;
    requires io.helidon.webserver;
    requires java.sql;
    requires java.logging;
    requires java.management;
    requires tools.jackson.databind;
    requires tools.jackson.dataformat.yaml;
    requires transitive org.slf4j; // LineLogProvider, the binding, is public
    // The JDBC driver is found through DriverManager, never named in code: required so that it is resolved.
    requires org.xerial.sqlitejdbc;

    exports overseer.server;
    opens overseer.server to tools.jackson.databind;
    // The daemon's one SLF4J binding (its META-INF/services file says the same on the class path).
    provides org.slf4j.spi.SLF4JServiceProvider with overseer.server.LineLogProvider;
}
