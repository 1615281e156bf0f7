/** The {@code overseer} command, an application: it exports nothing; picocli and Jackson read its commands and values by reflection. */
module overseer.cli {
    requires overseer.linux;
    requires overseer.oci;
    requires overseer.supervisor;
    requires overseer.server;
    requires overseer.client;
    requires overseer.fleet;
    requires info.picocli;
    requires io.helidon.webserver; // overseer ui's local proxy
    requires java.logging;
    requires tools.jackson.databind;
    requires java.management;
    requires jdk.unsupported; // sun.misc.Signal (Signals)

    opens overseer.cli to info.picocli, tools.jackson.databind;
}
