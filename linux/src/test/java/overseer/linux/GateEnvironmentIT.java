package overseer.linux;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A task born in a v2 cgroup (every daemon task and foreground run on a host with a v2 tree), behind the gate
 * or cloned straight in, gets exactly its spec's environment: the gate's shell exports PWD to what it execs,
 * and must not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GateEnvironmentIT extends CgroupTestBase {
    @ParameterizedTest(name = "cloned into its cgroup: {0}")
    @ValueSource(booleans = {false, true})
    void aProcessBornInItsCgroupGetsExactlyTheSpecsEnvironment(boolean clone) throws Exception {
        assertThat(env(ProcessSpec.builder("/usr/bin/env").env("A", "1"), clone)).containsExactly("A=1");
    }

    @ParameterizedTest(name = "cloned into its cgroup: {0}")
    @ValueSource(booleans = {false, true})
    void aPwdTheSpecSetsIsKeptAsItIs(boolean clone) throws Exception {
        assertThat(env(ProcessSpec.builder("/usr/bin/env").env("PWD", "/nowhere").cwd(java.nio.file.Path.of("/")), clone))
                .containsExactly("PWD=/nowhere");
    }

    private java.util.List<String> env(ProcessSpec.Builder spec, boolean clone) throws Exception {
        cg = CgroupFixture.detected();
        assumeTrue(cg.layout.v2().isPresent(), "no cgroup v2 tree here: nothing is gated");
        NativeRuntime every = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true).withCloneIntoCgroup(clone), cg.layout);
        try (Tasks tasks = new Tasks(every)) {
            Task t = tasks.run(TaskSpec.of(CgroupFixture.uniqueId("env"), spec.captureOutput().build()));
            assertThat(t.await().exitCode()).isZero();
            t.output().drained().get(10, TimeUnit.SECONDS);
            return t.output().tail(LogStream.STDOUT).lines();
        }
    }
}
