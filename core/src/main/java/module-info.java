/**
 * The embeddable supervisor: the task API, its value types and the runtime and store SPI. The helpers in
 * {@code overseer.core.internal} are shared with Overseer's own modules only: they are not API.
 */
module overseer.core {
    exports overseer.core;
    exports overseer.core.spi;
    exports overseer.core.internal to
            overseer.linux, overseer.oci, overseer.wire, overseer.supervisor, overseer.server, overseer.fleet, overseer.cli;
}
