package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.wire.RestartPolicy;
import overseer.wire.ServiceSpec;
import overseer.wire.Supervision;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator's journey with a real redis-server as a `restart: always` service of a real `overseer daemon`
 * (monitor and daemon JVMs): kill -9 redis, it answers PING again; kill -9 the daemon, redis keeps serving;
 * kill -9 redis while no daemon runs, and the next daemon records the true exit (137, SIGKILL) and starts
 * redis again; the same across a graceful daemon restart.
 */
class RedisServiceIT {
    private static final Path REDIS = Path.of("/usr/bin/redis-server");
    private static final Duration WAIT = RealDaemon.WAIT;
    @TempDir
    Path dir;
    private RealDaemon daemon;
    private int port;
    private final List<Long> redisPids = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(Files.isExecutable(REDIS), "redis-server is not installed (.ci/run installs it)");
        daemon = new RealDaemon(dir, "--runtime", "native");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon == null) {
            return;
        }
        try {
            daemon.close();
        } finally {
            for (long pid : redisPids) { // what a failed run may have left
                new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            }
        }
    }

    private boolean pong() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] b = new byte[7];
            int n = in.readNBytes(b, 0, 7);
            return new String(b, 0, n, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException down) {
            return false;
        }
    }

    private long redisPid(OverseerClient c) {
        long pid = c.task("default", "redis").get("pid").asLong();
        redisPids.add(pid);
        return pid;
    }

    /** Waits until redis runs with another pid than {@code old} and answers PING; returns its new pid. */
    private long awaitNewRedis(OverseerClient c, long old) {
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            JsonNode t = c.task("default", "redis");
            return t.get("status").asString().equals("running") && t.get("pid").asLong() != old && pong();
        });
        return redisPid(c);
    }

    private static void kill9(long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor()).isZero();
    }

    private static void assertKilled(JsonNode exit) {
        assertThat(exit.get("exitCode").asInt()).isEqualTo(137);
        assertThat(exit.get("signal").asString()).isEqualTo("SIGKILL");
    }

    @Test
    void redisStaysUpThroughItsCrashesAndTheDaemons() throws Exception {
        OverseerClient c = daemon.start();
        c.createTask("default", new ServiceSpec(TaskSpec.of("redis", ProcessSpec.of(REDIS.toString(), "--port",
                Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")),
                Supervision.NONE.withRestart(RestartPolicy.parse("restart", "always"))));
        c.start("default", "redis");
        await().atMost(WAIT).until(this::pong);
        long pid = redisPid(c);

        // 1. redis dies: the daemon restarts it within the backoff.
        kill9(pid);
        pid = awaitNewRedis(c, pid);
        assertKilled(c.task("default", "redis").get("service").get("lastExits").get(0));

        // 2. the daemon dies: redis keeps serving, and the restarted daemon still keeps it.
        long first = daemon.pid();
        kill9(first);
        assertThat(pong()).isTrue();
        await().atMost(WAIT).ignoreExceptions().until(() -> daemon.pid() != first && c.health().get("status").asString().equals("ok"));
        assertThat(c.task("default", "redis").get("pid").asLong()).isEqualTo(pid);

        // 3. redis dies while no daemon runs: the next one records the true exit and starts redis again.
        long second = daemon.pid();
        kill9(second);
        kill9(pid);
        await().atMost(WAIT).ignoreExceptions().until(() -> daemon.pid() != second && c.health().get("status").asString().equals("ok"));
        pid = awaitNewRedis(c, pid);
        JsonNode service = c.task("default", "redis").get("service");
        assertKilled(service.get("lastExits").get(0));
        assertThat(service.get("restarts").asInt()).isEqualTo(2);

        // 4. the same across a graceful restart: SIGTERM, redis dies while no daemon runs, a new daemon.
        Task monitor = daemon.monitor();
        daemon.stopDaemon();
        assertThat(pong()).as("tasks keep running when the daemon stops").isTrue();
        kill9(pid);
        assertThat(monitor.await(WAIT)).as("the monitor ends once it recorded its last task's exit").isPresent();
        OverseerClient next = daemon.start();
        pid = awaitNewRedis(next, pid);
        service = next.task("default", "redis").get("service");
        assertKilled(service.get("lastExits").get(0));
        assertThat(service.get("restarts").asInt()).isEqualTo(3);
        assertThat(service.get("lastExits")).allSatisfy(e -> assertThat(e.get("exitCode").asInt()).isNotEqualTo(-1));
    }
}
