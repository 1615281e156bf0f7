package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A task born behind the v2 gate (every daemon task and foreground run on a host with a v2 tree) gets
 * exactly its spec's environment: the gate's shell exports PWD to what it execs, and must not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GateEnvironmentIT extends CgroupTestBase {
    @Test
    void aGatedProcessGetsExactlyTheSpecsEnvironment() throws Exception {
        assertThat(env(ProcessSpec.builder("/usr/bin/env").env("A", "1"))).containsExactly("A=1");
    }

    @Test
    void aPwdTheSpecSetsIsKeptAsItIs() throws Exception {
        assertThat(env(ProcessSpec.builder("/usr/bin/env").env("PWD", "/nowhere").cwd(java.nio.file.Path.of("/"))))
                .containsExactly("PWD=/nowhere");
    }

    private java.util.List<String> env(ProcessSpec.Builder spec) throws Exception {
        cg = CgroupFixture.detected();
        assumeTrue(cg.layout.v2().isPresent(), "no cgroup v2 tree here: nothing is gated");
        NativeRuntime every = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true), cg.layout);
        try (Tasks tasks = new Tasks(every)) {
            Task t = tasks.run(TaskSpec.of(CgroupFixture.uniqueId("env"), spec.captureOutput().build()));
            assertThat(t.await().exitCode()).isZero();
            t.output().drained().get(10, TimeUnit.SECONDS);
            return t.output().tail(LogStream.STDOUT).lines();
        }
    }
}
