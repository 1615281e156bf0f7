package overseer.cli;

import org.junit.jupiter.api.Test;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.RoutingRuntime;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** `--runtime auto` on a host without an OCI runtime: host tasks run, an isolated one is refused with the reason. */
class NoOciRuntimeTest {
    @Test
    void anIsolatedTaskIsRefusedSayingNoOciRuntimeWasFound() throws Exception {
        try (Tasks tasks = new Tasks(new RoutingRuntime(new NativeRuntime(), new NoOciRuntime("crun: not installed; runc: not installed")))) {
            assertThat(tasks.run(TaskSpec.of("host", ProcessSpec.builder("/bin/true").build())).await().exitCode()).isZero();
            assertThatThrownBy(() -> tasks.create("default", TaskSpec.of("boxed", ProcessSpec.builder("/bin/true").build())
                    .withIsolation(Isolation.DEFAULT)))
                    .isInstanceOf(OverseerException.class)
                    .hasMessageContaining("no OCI runtime was found on this host (crun: not installed; runc: not installed)");
        }
    }
}
