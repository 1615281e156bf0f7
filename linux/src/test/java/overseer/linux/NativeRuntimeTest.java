package overseer.linux;

import overseer.core.RuntimeContract;
import overseer.core.spi.TaskRuntime;

/** The native runtime against the contract every runtime passes. */
class NativeRuntimeTest extends RuntimeContract {
    @Override
    protected TaskRuntime newRuntime() {
        return new NativeRuntime();
    }
}
