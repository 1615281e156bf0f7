package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Exit;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two real daemons ({@code overseer daemon --fleet}) on a real nats-server, driven by {@code overseer fleet ...}. */
class FleetCliIT {
    private static final Path NATS = Path.of("/usr/sbin/nats-server");

    @TempDir
    Path dir;
    private final Tasks tasks = new Tasks(new NativeRuntime());
    private final List<RealDaemon> daemons = new ArrayList<>();
    private Process nats;
    private String url;

    @BeforeEach
    void startNats() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(NATS), "nats-server is not installed (apt-get install nats-server)");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(dir.resolve("js"));
        nats = new ProcessBuilder(NATS.toString(), "-js", "-sd", dir.resolve("js").toString(), "-a", "127.0.0.1",
                "-p", String.valueOf(port)).redirectErrorStream(true).redirectOutput(dir.resolve("nats.log").toFile()).start();
        url = "nats://127.0.0.1:" + port;
        int p = port;
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (Socket ignored = new Socket("127.0.0.1", p)) {
                return true;
            }
        });
    }

    @AfterEach
    void stopAll() throws Exception {
        try {
            for (RealDaemon d : daemons) {
                d.close();
            }
        } finally {
            tasks.close();
            if (nats != null) {
                nats.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void submitLsNodesAndLogsAgainstTwoDaemons() throws Exception {
        for (String node : List.of("n1", "n2")) {
            RealDaemon d = new RealDaemon(dir.resolve(node), "--runtime", "native");
            daemons.add(d);
            d.start("--fleet", url, "--fleet-name", "cli", "--node", node, "--fleet-slots", "2");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> fleet(0, "nodes").stream().filter(l -> l.startsWith("n")).count() == 2);

        Path cmd = dir.resolve("hello.json");
        Files.writeString(cmd, """
                {"id": "hello", "command": "core.system", "arguments": {"name": "/bin/sh", "args": ["-c", "echo hi from the fleet"]}}
                """);
        List<String> out = fleet(0, "submit", "--wait", "30", cmd.toString());
        assertThat(out).singleElement().asString().contains("\"state\":\"SUCCESS\"").contains("\"attempts\"");
        assertThat(fleet(1, "submit", cmd.toString())).singleElement().asString().contains("DUPILICATE_ID");
        assertThat(fleet(0, "logs", "hello")).containsExactly("hi from the fleet");
        assertThat(fleet(0, "ls")).anySatisfy(l -> assertThat(l).startsWith("hello").contains("SUCCESS"));
        List<String> nodes = fleet(0, "nodes");
        assertThat(nodes.getFirst()).startsWith("NODE");
        // the load is the last heartbeat's (every 2 s): the one after the command ended says 0 of 2 slots
        await().atMost(Duration.ofSeconds(20)).until(() -> fleet(0, "nodes").stream()
                .anyMatch(l -> l.startsWith("n1") && l.contains("0/2")));
    }

    /** An {@code overseer fleet VERB ...} JVM run to its end; its stdout lines. */
    private List<String> fleet(int expectedExit, String verb, String... args) throws InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "fleet", verb,
                "--fleet", url, "--fleet-name", "cli"));
        cmd.addAll(List.of(args));
        Task t = tasks.run(TaskSpec.of("cli-" + System.nanoTime(), ProcessSpec.builder(cmd).captureOutput().build()));
        Exit exit = t.await();
        t.output().drained().join();
        assertThat(exit.exitCode()).as("%s: %s", cmd, t.output().tail(LogStream.STDERR).lines()).isEqualTo(expectedExit);
        return t.output().tail(LogStream.STDOUT).lines();
    }
}
