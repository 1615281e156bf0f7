package overseer.oci;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The contract again with runc, whatever "auto" chose: both runtimes must hold it. */
class OciRuncRuntimeIT extends OciRuntimeIT {
    @Override
    protected String runtimeName() {
        assumeTrue(RuntimeProbe.which("runc").isPresent(), "runc is not installed (apt-get install runc)");
        return "runc";
    }
}
