package overseer.oci;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.TaskSpec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tasks outlive Overseer: a task started by another JVM keeps running when that JVM is SIGKILLed, and this JVM
 * reattaches to it, reads its whole log and its exit code from conmon's files.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OciReattachIT {
    private static final String NS = "detached";
    private java.lang.Process child;
    private OciRuntime runtime;

    @AfterEach
    void stop() {
        if (child != null) {
            child.destroyForcibly();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @AfterAll
    static void leaveNothing() {
        OciTesting.destroyAll();
        assertThat(OciTesting.leftoverCgroups()).as("cgroups left behind").isEmpty();
    }

    @Test
    void aTaskKeepsRunningWhenTheJvmIsKilledAndItsExitIsReadLater() throws Exception {
        survives("survivor", "overseer-monitor");
    }

    /** The files are conmon's contract: a task an older Overseer left under conmon is read as well. */
    @Test
    void aTaskUnderConmonIsReattachedByARuntimeThatWatchesWithItsOwnMonitor() throws Exception {
        survives("under-conmon", "conmon");
    }

    private void survives(String id, String monitor) throws Exception {
        OciTesting.assumeUsable();
        Path state = OciTesting.stateDir();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = ProcessHandle.current().info().command().orElse("java");
        child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, DetachedStarter.class.getName(),
                state.toString(), OciTesting.CGROUP_PARENT, "auto", NS, id, monitor).redirectErrorStream(true).start();
        String line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            line = r.readLine();
        }
        assertThat(line).startsWith("started ");
        long pid = Long.parseLong(line.substring("started ".length()).strip());

        child.destroyForcibly(); // SIGKILL: no shutdown hook, no Tasks.close
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the task after its JVM died").contains(true);
        assertThat(OciTesting.monitorOf(pid)).isEqualTo(monitor);

        runtime = OciTesting.builder().stateDir(state).build();
        ProcessSpec spec = ProcessSpec.builder("/bin/sh").stdout(Redirect.PIPE).build();
        ProcessOutput output = new ProcessOutput(spec);
        OciRuntime.Reattached task = runtime.reattach(NS, TaskSpec.of(id, spec), output);
        assertThat(task.pid()).isEqualTo(pid);
        assertThat(task.task().state()).contains("running");
        assertThat(task.exit()).isNotDone();

        Files.createFile(state.resolve("tasks").resolve(NS).resolve(id).resolve("rootfs/local/go"));
        Exit exit = task.exit().get(30, TimeUnit.SECONDS);

        assertThat(exit.exitCode()).isEqualTo(7);
        output.drained().get(10, TimeUnit.SECONDS);
        assertThat(output.tail(LogStream.STDOUT).lines()).isEqualTo(List.of("waiting", "done"));
        task.task().release();
        runtime.close();
        runtime = null;
        assertThat(state.resolve("tasks").resolve(NS).resolve(id)).doesNotExist();
    }
}
