package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The self-contained image that {@code ./mvnw package} leaves in cli/target/image (docs/install.md), run as a
 * host without a JDK would: PATH=/usr/bin:/bin, no JAVA_HOME, nothing else in the environment. (/usr/bin/java
 * on this machine is a JDK 17, which cannot run Overseer: a launcher that picked it would fail.)
 */
class ImageIT {
    private static final Path IMAGE = Path.of("target", "image").toAbsolutePath();
    private static final Map<String, String> NO_JDK = Map.of("PATH", "/usr/bin:/bin");
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final AtomicInteger IDS = new AtomicInteger();
    @TempDir
    Path dir;
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
    void theImageHoldsARuntimeNotAJdkWithTheUnitAndTheCompletion() throws Exception {
        assertThat(IMAGE.resolve("bin/java")).isExecutable();
        assertThat(IMAGE.resolve("bin/javac")).doesNotExist();
        assertThat(Files.readString(IMAGE.resolve("release"))).contains("JAVA_VERSION=\"25").doesNotContain("jdk.compiler");
        assertThat(IMAGE.resolve("lib/overseer/overseer.aot")).isNotEmptyFile();
        String unit = Files.readString(IMAGE.resolve("lib/systemd/system/overseer.service"));
        assertThat(unit).contains("Type=notify", "NotifyAccess=all", "ExecStart=/opt/overseer/bin/overseer daemon");
        assertThat(Files.readString(IMAGE.resolve("share/bash-completion/completions/overseer")))
                .contains("complete -F _complete_overseer", "ps", "daemon");
    }

    @Test
    void versionRunsOnTheImagesOwnJavaWithNoJdkOnPath() throws Exception {
        Task t = run(IMAGE, "--version");
        assertThat(out(t)).singleElement().asString().matches("overseer \\S+ \\((commit \\S+|unknown commit)\\)");
        assertThat(err(t)).as("nothing on stderr: the AOT cache made by the build is used, silently").isEmpty();
    }

    /** Installed elsewhere (a copy keeping times, as install.md says), the launcher makes the cache again there, once. */
    @Test
    void aMovedImageMakesItsCacheAgainAndAMismatchedCacheIsIgnoredSilently() throws Exception {
        Path copy = dir.resolve("opt-overseer");
        Task cp = tasks.run(TaskSpec.of("copy", ProcessSpec.builder("/bin/cp", "-a", IMAGE.toString(), copy.toString()).build()));
        assertThat(cp.await(WAIT).orElseThrow().exitCode()).isZero();
        Task first = run(copy, "--version");
        assertThat(err(first)).containsExactly("overseer: preparing the start-up cache (once per build)...");
        assertThat(Files.readString(copy.resolve("lib/overseer/overseer.aot.classpath"))).contains(copy.toString());
        Task second = run(copy, "--version");
        assertThat(err(second)).isEmpty();
        assertThat(out(second)).isEqualTo(out(first));

        // A cache the JVM cannot use (here: garbage, newer than the jars, for this class path) costs time, never the command.
        Path cache = copy.resolve("lib/overseer/overseer.aot");
        Files.write(cache, new byte[4096]);
        Files.setLastModifiedTime(cache, FileTime.from(Instant.now().plusSeconds(60)));
        Task garbage = run(copy, "--version");
        assertThat(err(garbage)).isEmpty();
        assertThat(out(garbage)).isEqualTo(out(first));
    }

    /** The daemon and a verb, both from the image with no JDK: the runtime has every module they use (SQLite, sockets). */
    @Test
    void theDaemonServesFromTheImage() throws Exception {
        Path sock = dir.resolve("d.sock");
        String cgroupParent = "overseer-image-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Task daemon = start(IMAGE, "daemon", "--socket", sock.toString(), "--state-dir", dir.resolve("state").toString(),
                "--runtime", "native", "--cgroup-parent", cgroupParent);
        await().atMost(WAIT).until(() -> Files.exists(sock) && exit(run(IMAGE, "ps", "--socket", sock.toString())) == 0);
        Task ps = run(IMAGE, "ps", "--socket", sock.toString());
        assertThat(out(ps)).first().asString().startsWith("ID");
        daemon.kill(Signal.SIGTERM, false);
        assertThat(daemon.await(WAIT).orElseThrow().exitCode()).isZero();
        assertThat(String.join("\n", err(daemon))).contains("msg=\"daemon started\" socket=" + sock).doesNotContain("Exception");
    }

    private Task start(Path image, String... args) {
        List<String> cmd = new ArrayList<>(List.of(image.resolve("bin/overseer").toString()));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("image-" + IDS.incrementAndGet(), ProcessSpec.builder(cmd).env(NO_JDK).captureOutput().build()));
    }

    /** Runs the image's overseer to its end; the exit code is checked by the caller through {@link #exit}. */
    private Task run(Path image, String... args) throws InterruptedException {
        Task t = start(image, args);
        t.await(WAIT);
        t.output().drained().join();
        if (args[0].equals("--version")) {
            assertThat(exit(t)).as("%s: %s", List.of(args), err(t)).isZero();
        }
        return t;
    }

    private static int exit(Task t) {
        return t.exit().map(Exit::exitCode).orElse(-1);
    }

    private static List<String> out(Task t) {
        return t.output().tail(LogStream.STDOUT).lines();
    }

    private static List<String> err(Task t) {
        return t.output().tail(LogStream.STDERR).lines();
    }
}
