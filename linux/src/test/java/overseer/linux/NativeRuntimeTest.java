package overseer.linux;

import overseer.core.RuntimeContract;
import overseer.core.spi.Runtime;

/** The native runtime against the contract every runtime passes. */
class NativeRuntimeTest extends RuntimeContract {
    @Override
    protected Runtime newRuntime() {
        return new NativeRuntime();
    }
}
