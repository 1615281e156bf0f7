package overseer.oci;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The isolation properties again with runc, whatever "auto" chose. */
class OciRuncIsolationIT extends OciIsolationIT {
    @Override
    protected String runtimeName() {
        assumeTrue(RuntimeProbe.which("runc").isPresent(), "runc is not installed (apt-get install runc)");
        return "runc";
    }
}
