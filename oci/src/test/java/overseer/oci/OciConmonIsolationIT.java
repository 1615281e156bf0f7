package overseer.oci;

/** The isolation properties again with conmon watching every process, as it did before overseer-monitor. */
class OciConmonIsolationIT extends OciIsolationIT {
    @Override
    protected boolean conmonAlways() {
        return true;
    }
}
