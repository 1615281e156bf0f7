package overseer.core;

import org.junit.jupiter.api.Test;
import overseer.core.spi.TaskRuntime;

import static org.assertj.core.api.Assertions.assertThat;

/** The portable (ProcessBuilder) runtime against the runtime contract. */
class PortableRuntimeTest extends RuntimeContract {
    @Override
    protected TaskRuntime newRuntime() {
        return new PortableRuntime();
    }

    /** ProcessBuilder tells a start instant, not the kernel's clock ticks since boot; there is no /proc off Linux. */
    @Override
    protected boolean reportsStartTimes() {
        return false;
    }

    @Test
    void claimsOnlyWhatProcessBuilderCanDo() {
        assertThat(runtime.name()).isEqualTo("portable");
        assertThat(runtime.features()).containsExactly(TaskRuntime.Feature.PIDS);
    }

    @Test
    void namesTheSignalItCannotSend() {
        Task t = start("usr1", ProcessSpec.of("/bin/sleep", "1000"));

        assertFails(ErrorKind.UNAVAILABLE, "signal SIGUSR1 is not supported by the portable runtime",
                () -> t.kill(Signal.parse("USR1"), true));
    }
}
