package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** `overseer run --isolate` for real, on runc/crun under conmon (root only). */
class IsolatedRunIT {
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "isolated tasks need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        if (tasks != null) {
            tasks.close();
        }
    }

    private Task overseer(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("iso-" + System.nanoTime(), ProcessSpec.builder(cmd).captureOutput().build()));
    }

    @Test
    void theCommandIsPidOneWithItsOwnHostnameAndNoNetwork() throws Exception {
        Task t = overseer("run", "--isolate", "--hostname", "boxed", "--", "/bin/sh", "-c",
                "hostname; echo $$; grep -c : /proc/net/dev; touch /usr/x 2>/dev/null || echo read-only");
        assertThat(t.await().exitCode()).as(String.join("\n", t.output().tail(LogStream.STDERR).lines())).isZero();
        t.output().drained().join();
        assertThat(t.output().tail(LogStream.STDOUT).lines()).containsExactly("boxed", "1", "1", "read-only");
    }

    @Test
    void anOomKilledContainerExits137() throws Exception {
        Task t = overseer("run", "--isolate", "--memory", "16m", "--memory-swap", "16m", "--json", "--",
                "/bin/sh", "-c", "x=a; while :; do x=$x$x; done");
        assertThat(t.await().exitCode()).isEqualTo(137);
        t.output().drained().join();
        assertThat(t.output().tail(LogStream.STDOUT).lines().getLast()).contains("\"oomKilled\":true");
    }
}
