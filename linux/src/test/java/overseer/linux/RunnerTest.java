package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import overseer.core.OverseerException;
import overseer.core.RunResult;
import overseer.core.Runner;
import overseer.core.Signal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The small API on the native runtime (found through the ServiceLoader, as an application finds it), and
 * README's embedding example, run exactly as README shows it.
 */
class RunnerTest extends CgroupTestBase {
    private static final Pattern README_SNIPPET = Pattern.compile("## Embedding\\n.*?```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern TEST_SNIPPET = Pattern.compile("// README begin\\n(.*?)\\n\\s*// README end", Pattern.DOTALL);

    @AfterEach
    void defaultParent() {
        System.clearProperty(NativeRuntime.Options.PARENT_PROPERTY);
    }

    /** Limits put the run in a cgroup: under this test's own parent, which the base class removes after it. */
    private void cgroupsUnderTestParent() {
        cg = CgroupFixture.detected();
        System.setProperty(NativeRuntime.Options.PARENT_PROPERTY, cg.parent);
    }

    @Test
    void readmeExample() throws Exception {
        cgroupsUnderTestParent();
        // README begin
        RunResult r = Runner.of("/bin/sh", "-c", "echo hi; echo oops >&2; exit 3")
                .memory(64 << 20)                   // a cgroup limit: OOM-killed beyond it
                .timeout(Duration.ofSeconds(10))    // then SIGTERM, and SIGKILL 10 s later
                .run();                             // returns once it has exited and its output has ended
        r.exitCode();                               // 3
        r.stdout();                                 // "hi\n"
        r.stderr();                                 // "oops\n"
        // README end
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("hi\n");
        assertThat(r.stderr()).isEqualTo("oops\n");
        assertThat(r.timedOut()).isFalse();
    }

    @Test
    void readmeShowsTheSnippetThisTestRuns() throws IOException {
        Matcher readme = README_SNIPPET.matcher(Files.readString(repoFile("README.md")));
        Matcher test = TEST_SNIPPET.matcher(Files.readString(repoFile("linux/src/test/java/overseer/linux/RunnerTest.java")));
        assertThat(readme.find()).as("README has a java block under ## Embedding").isTrue();
        assertThat(test.find()).as("this test marks the snippet it runs").isTrue();
        assertThat(unindented(test.group(1))).isEqualTo(unindented(readme.group(1)));
    }

    @Test
    void theResultHoldsAllTheOutputWrittenJustBeforeTheExit() throws Exception {
        // 1 MiB then an immediate exit: the exit is reaped before the last reads are done.
        RunResult r = Runner.of("/bin/sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; head -c 65536 /dev/zero >&2; exit 7")
                .run();
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.stdoutBytes()).hasSize(1 << 20);
        assertThat(r.stdout()).matches("x+");
        assertThat(r.stderrBytes()).hasSize(1 << 16);
    }

    @Test
    void aMissingProgramIsRefusedWithItsReasonAndField() {
        OverseerException e = catchThrowableOfType(OverseerException.class, () -> Runner.of("no-such-program-here").run());
        assertThat(e.reason()).isEqualTo(OverseerException.Reason.EXECUTABLE_NOT_FOUND);
        assertThat(e.field()).contains("args[0]");
        assertThat(e.getMessage()).isEqualTo("args[0]: no such file or directory: \"no-such-program-here\"");
    }

    @Test
    void theTimeoutStopsItWithSigtermAndKeepsWhatItWrote() throws Exception {
        RunResult r = Runner.of("/bin/sh", "-c", "echo started; exec sleep 60").timeout(Duration.ofMillis(300)).run();
        assertThat(r.timedOut()).isTrue();
        assertThat(r.signal()).contains(Signal.SIGTERM);
        assertThat(r.exitCode()).isEqualTo(143);
        assertThat(r.stdout()).isEqualTo("started\n");
    }

    @Test
    void inputIsItsStdinAndTheEnvironmentIsItsOwn() throws Exception {
        RunResult r = Runner.of("/bin/sh", "-c", "tr a-z A-Z; echo \"$GREETING\"; env | grep -c . ")
                .env("GREETING", "hello").input("shout\n".getBytes(StandardCharsets.UTF_8)).run();
        // the environment starts empty but for the variables given and a PATH (sh adds PWD, SHLVL, _)
        assertThat(r.stdout()).startsWith("SHOUT\nhello\n");
        assertThat(r.success()).isTrue();
    }

    @Test
    void theMemoryLimitOomKillsAndTheResultSaysSo() throws Exception {
        cgroupsUnderTestParent();
        RunResult r = Runner.of("/bin/sh", "-c", "echo before; exec tail < /dev/zero")
                .memory(16 << 20).run();
        assertThat(r.oomKilled()).as(r.toString()).isTrue();
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.stdout()).isEqualTo("before\n");
    }

    @Test
    void aBadLimitNamesItsField() {
        OverseerException e = catchThrowableOfType(OverseerException.class, () -> Runner.of("/bin/true").memory(1));
        assertThat(e.field()).contains("resources.memoryBytes");
    }

    private static String unindented(String block) {
        List<String> lines = block.strip().lines().map(String::strip).toList();
        return String.join("\n", lines);
    }

    private static Path repoFile(String relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(relative))) {
                return d.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
