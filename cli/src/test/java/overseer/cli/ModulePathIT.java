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

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The CLI and the daemon run as modules, from the jars the package phase left (target/overseer-cli.jar and
 * target/lib): every module-info requires what its module uses and opens what picocli and Jackson reflect on,
 * and the helpers of core are exported to Overseer's own modules only. (bin/overseer and the image run the
 * same jars on the class path; the tests do too: docs/architecture.md, "Module descriptors".)
 */
class ModulePathIT {
    private static final Path JAR = Path.of("target", "overseer-cli.jar").toAbsolutePath();
    private static final Path LIB = Path.of("target", "lib").toAbsolutePath();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final AtomicInteger IDS = new AtomicInteger();
    @TempDir
    Path dir;
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        assertThat(JAR).as("the package phase makes it before integration-test").isRegularFile();
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close();
    }

    @Test
    void aCommandRunsWithTheCliAsAModule() throws Exception {
        Task t = module("run", "--", "/bin/sh", "-c", "echo hello; exit 3");
        Exit exit = t.await(WAIT).orElseThrow();
        t.output().drained().join();
        assertThat(exit.exitCode()).as("%s", err(t)).isEqualTo(3);
        assertThat(t.output().tail(LogStream.STDOUT).lines()).containsExactly("hello");
        assertThat(err(t)).as("no warning: native access is granted by module name").isEmpty();
    }

    @Test
    void theDaemonServesAsAModule() throws Exception {
        Path sock = dir.resolve("d.sock");
        Task daemon = module("daemon", "--socket", sock.toString(), "--state-dir", dir.resolve("state").toString(),
                "--runtime", "native", "--stop-tasks");
        await().atMost(WAIT).until(() -> Files.exists(sock) || daemon.exit().isPresent());
        assertThat(daemon.exit()).as("%s", err(daemon)).isEmpty();

        verb("run", "-d", "--socket", sock.toString(), "--id", "as-module", "--", "/bin/sleep", "60");
        assertThat(String.join("\n", verb("ps", "--socket", sock.toString(), "--json")))
                .contains("\"id\":\"as-module\"", "\"status\":\"running\"", "\"args\":[\"/bin/sleep\",\"60\"]");

        daemon.kill(Signal.SIGTERM, false);
        assertThat(daemon.await(WAIT).orElseThrow().exitCode()).as("%s", err(daemon)).isZero();
        daemon.output().drained().join();
        assertThat(daemon.output().tail(LogStream.STDERR).lines()).noneMatch(l -> l.startsWith("WARNING"));
    }

    @Test
    void coresHelpersAreExportedToOverseersModulesOnly() {
        ModuleFinder jars = ModuleFinder.of(JAR, LIB);
        ModuleDescriptor core = jars.find("overseer.core").orElseThrow().descriptor();
        assertThat(core.isAutomatic()).isFalse();
        assertThat(core.exports()).filteredOn(e -> !e.isQualified()).extracting(ModuleDescriptor.Exports::source)
                .containsExactlyInAnyOrder("overseer.core", "overseer.core.spi");
        ModuleDescriptor.Exports internal = core.exports().stream().filter(e -> e.source().equals("overseer.core.internal"))
                .findFirst().orElseThrow();
        assertThat(internal.targets()).isNotEmpty().allMatch(m -> m.startsWith("overseer."))
                .doesNotContain("overseer.client", "overseer.bench");

        // Resolved as the JVM resolves them: the client reads core but cannot see its helpers; the server can.
        Configuration cf = ModuleLayer.boot().configuration().resolve(jars, ModuleFinder.of(), Set.of("overseer.cli"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
        Module coreModule = layer.findModule("overseer.core").orElseThrow();
        assertThat(coreModule.isExported("overseer.core.internal", layer.findModule("overseer.client").orElseThrow())).isFalse();
        assertThat(coreModule.isExported("overseer.core.internal", layer.findModule("overseer.server").orElseThrow())).isTrue();
        assertThat(coreModule.isExported("overseer.core")).isTrue();
    }

    /** {@code java -p target/overseer-cli.jar:target/lib -m overseer.cli/overseer.cli.Main ARGS}. */
    private Task module(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // sqlite-jdbc loads its native library with System.load: it asks for native access too.
                "--enable-native-access=overseer.linux,org.xerial.sqlitejdbc", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--module-path", JAR + ":" + LIB, "--module", "overseer.cli/overseer.cli.Main"));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("module-" + IDS.incrementAndGet(), ProcessSpec.builder(cmd)
                .env(Map.of("PATH", "/usr/bin:/bin")).captureOutput().build()));
    }

    private List<String> verb(String... args) throws InterruptedException {
        Task t = module(args);
        Exit exit = t.await(WAIT).orElseThrow();
        t.output().drained().join();
        assertThat(exit.exitCode()).as("%s: %s", List.of(args), err(t)).isZero();
        return t.output().tail(LogStream.STDOUT).lines();
    }

    private static String err(Task t) {
        return String.join("\n", t.output().tail(LogStream.STDERR).lines());
    }
}
