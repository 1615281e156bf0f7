package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ErrorKind;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.internal.Sizes;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** docker's resource flags on {@code overseer run}, and {@code overseer info}, run as a user runs them. */
class ResourceFlagsIT {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
    private final String parent = "overseer-test-cli-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() throws IOException {
        tasks.close();
        // The CLI removes its cgroups itself; should it not have, do not leave them behind.
        try (var hierarchies = Files.list(CGROUPS)) {
            for (Path h : hierarchies.toList()) {
                Path p = h.resolve(parent);
                if (Files.isDirectory(p)) {
                    try (var walk = Files.walk(p)) {
                        walk.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount())
                                .forEach(d -> d.toFile().delete());
                    }
                    assertThat(p).as("cgroup left behind by the CLI").doesNotExist();
                }
            }
        } catch (java.nio.file.NoSuchFileException noCgroups) {
            // nothing to clean
        }
    }

    private Task overseer(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("cli-res-" + IDS.incrementAndGet(), ProcessSpec.builder(cmd).captureOutput().build()));
    }

    private static List<String> lines(Task t, LogStream s) {
        t.output().drained().join();
        return t.output().tail(s).lines();
    }

    @Test
    void sizesAreReadAsDockerReadsThem() {
        assertThat(Sizes.parse("--memory", "64m")).isEqualTo(64L << 20);
        assertThat(Sizes.parse("--memory", "64MB")).isEqualTo(64L << 20);
        assertThat(Sizes.parse("--memory", "1.5g")).isEqualTo(3L << 29);
        assertThat(Sizes.parse("--memory", "512k")).isEqualTo(512L << 10);
        assertThat(Sizes.parse("--memory", "4096")).isEqualTo(4096);
        assertThat(Sizes.parse("--memory", "100b")).isEqualTo(100);
        OverseerException e = catchThrowableOfType(OverseerException.class, () -> Sizes.parse("--memory-swap", "lots"));
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).isEqualTo("--memory-swap: expected a size such as 64m (units b, k, m, g), got \"lots\"");
    }

    @Test
    void aBadLimitIsAUsageErrorNamingItsFlag() throws Exception {
        Task t = overseer("run", "--memory", "1k", "--", "/bin/true");
        assertThat(t.await().exitCode()).isEqualTo(2);
        assertThat(lines(t, LogStream.STDERR)).containsExactly(
                "overseer: --memory: 1024 is below the minimum of 4194304 (4 MiB)");

        Task swap = overseer("run", "--memory", "64m", "--memory-swap", "32m", "--", "/bin/true");
        assertThat(swap.await().exitCode()).isEqualTo(2);
        assertThat(lines(swap, LogStream.STDERR)).singleElement().asString()
                .startsWith("overseer: --memory-swap: 33554432 is below --memory 67108864");
    }

    @Test
    void anOomKillExits137AndSaysSoInJson() throws Exception {
        assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root for cgroups");
        // exec: the shell becomes tail, so the process Overseer started is the one the OOM killer ends.
        Task t = overseer("run", "--json", "--memory", "16m", "--pids-limit", "16", "--cgroup-parent", parent,
                "--", "/bin/sh", "-c", "exec tail < /dev/zero");

        assertThat(t.await().exitCode()).isEqualTo(137);
        JsonNode exit = JsonMapper.builder().build().readTree(lines(t, LogStream.STDOUT).getLast());
        assertThat(exit.get("oomKilled").asBoolean()).isTrue();
        assertThat(exit.get("signal").asString()).isEqualTo("SIGKILL");
        assertThat(exit.get("exitCode").asInt()).isEqualTo(137);
    }

    /**
     * A limit the host cannot apply is Overseer's failure (docker's 125), not a usage error (2): the error that
     * kept the run from starting keeps its kind, UNAVAILABLE, through the supervisor to the exit code. The
     * host is a cgroup v2 tree without a memory controller.
     */
    @Test
    void aLimitTheHostCannotApplyExits125NotAsAUsageError(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu pids\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu pids\n");
        Task t = overseer("run", "--memory", "64m", "--cgroup-root", root.toString(), "--", "/bin/true");

        assertThat(t.await().exitCode()).isEqualTo(125);
        assertThat(lines(t, LogStream.STDERR)).containsExactly(
                "overseer: --memory: this host has no memory controller (neither cgroup v2 nor v1)");
        try (var left = Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("nothing made in the cgroup tree")
                    .containsExactlyInAnyOrder("cgroup.controllers", "cgroup.subtree_control");
        }
    }

    /** A program that is not there is still docker's 127 when limits are given: the runtime's error is kept as it was. */
    @Test
    void aCommandThatCannotBeFoundStillExits127() throws Exception {
        Task t = overseer("run", "--memory", "64m", "--cgroup-parent", parent, "--", "no-such-program-anywhere");
        assertThat(t.await().exitCode()).isEqualTo(127);
        assertThat(lines(t, LogStream.STDERR)).singleElement().asString()
                .startsWith("overseer: args[0]: no such file or directory");
    }

    @Test
    void infoPrintsTheCgroupLayout() throws Exception {
        Task t = overseer("info");
        assertThat(t.await().exitCode()).isZero();
        String text = String.join("\n", lines(t, LogStream.STDOUT));
        assertThat(text).contains("root", "/sys/fs/cgroup", "memory", "tracking", "kill", "freeze", "placement");

        Task json = overseer("info", "--json");
        assertThat(json.await().exitCode()).isZero();
        JsonNode cgroups = JsonMapper.builder().build().readTree(lines(json, LogStream.STDOUT).getFirst()).get("cgroups");
        assertThat(cgroups.get("root").asString()).isEqualTo("/sys/fs/cgroup");
        assertThat(cgroups.get("controllers").has("memory")).isTrue();
        if (cgroups.get("v2").isNull()) {
            return; // no v2 tree on this host: nothing more to compare
        }
        // The v2 mount's favordynmods, as the kernel lists the mount's options.
        String mount = cgroups.get("v2").get("mount").asString();
        boolean listed = Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" "))
                .anyMatch(f -> f[1].equals(mount) && List.of(f[3].split(",")).contains("favordynmods"));
        assertThat(cgroups.get("v2").get("favordynmods").asBoolean()).isEqualTo(listed);
        assertThat(text).contains("v2 mount", listed ? "favordynmods" : "without favordynmods");
    }

    @Test
    void infoOnAPureV2Host(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu io memory pids\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu memory pids\n");
        Files.createDirectories(root.resolve("init.scope"));
        for (String f : List.of("cgroup.procs", "cgroup.kill", "cgroup.freeze", "cgroup.events")) {
            Files.writeString(root.resolve("init.scope").resolve(f), "");
        }
        Task json = overseer("info", "--json", "--cgroup-root", root.toString());
        assertThat(json.await().exitCode()).isZero();
        JsonNode cgroups = JsonMapper.builder().build().readTree(lines(json, LogStream.STDOUT).getFirst()).get("cgroups");
        assertThat(cgroups.get("controllers").get("memory").get("version").asString()).isEqualTo("v2");
        assertThat(cgroups.get("controllers").get("io").get("version").asString())
                .as("offered, but not enabled for children").isEqualTo("none");
        assertThat(cgroups.get("v2").get("cgroup.kill").asBoolean()).isTrue();
        assertThat(cgroups.get("kill").asString()).isEqualTo("v2 cgroup.kill");
        // Cloned straight in where the build made libspawn (x86_64 with a C compiler), else gated.
        assertThat(cgroups.get("placement").asString()).matches("v2: (cloned into its v2 cgroup|a gate) .*");
    }
}
