/** Isolated tasks: OCI bundles run by crun or runc under conmon. */
module overseer.oci {
    requires transitive overseer.core;
    requires overseer.linux; // every native call, through linux's small public surface for oci
    requires tools.jackson.databind;

    exports overseer.oci;
}
