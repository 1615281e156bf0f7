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
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code overseer --version} as a real JVM: the version and the commit the build recorded. */
class VersionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close();
    }

    @Test
    void versionNamesTheCommitOfTheSourceTree() throws Exception {
        String line = String.join("\n", run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--version")));
        Path root = Path.of("").toAbsolutePath().getParent();
        if (Files.exists(root.resolve(".git"))) {
            String head = String.join("", run(List.of("git", "-C", root.toString(), "rev-parse", "HEAD"))).strip();
            assertThat(line).matches("overseer 0\\.\\S+ \\(commit \\S+\\)").contains(head.substring(0, 7));
        } else {
            assertThat(line).matches("overseer 0\\.\\S+ \\(unknown commit\\)"); // built from a source tarball
        }
    }

    @Test
    void withoutARecordTheCommitIsUnknownNotAnError() {
        BuildInfo none = new BuildInfo("0.1.0", BuildInfo.UNKNOWN_COMMIT);
        assertThat(none.line()).isEqualTo("overseer 0.1.0 (unknown commit)");
        assertThat(new BuildInfo("0.1.0", "4f80be9").line()).isEqualTo("overseer 0.1.0 (commit 4f80be9)");
        assertThat(BuildInfo.current().version()).isNotEqualTo("unknown version"); // the build wrote the resource
    }

    private List<String> run(List<String> cmd) throws InterruptedException {
        Task t = tasks.run(TaskSpec.of("v-" + System.nanoTime(), ProcessSpec.builder(cmd)
                .env(Map.of("PATH", "/usr/bin:/bin")).captureOutput().build()));
        assertThat(t.await(WAIT).orElseThrow().exitCode()).as("%s", cmd).isZero();
        t.output().drained().join();
        return t.output().tail(LogStream.STDOUT).lines();
    }
}
