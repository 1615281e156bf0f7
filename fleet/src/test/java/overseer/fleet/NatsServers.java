package overseer.fleet;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * Real nats-server processes with JetStream on free loopback ports, each with its own store directory: one
 * server, or a cluster of three. {@link #close()} kills every one still running, so a failed test leaves none.
 */
final class NatsServers implements AutoCloseable {
    static final String BINARY = "/usr/sbin/nats-server";

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> clientPorts = new ArrayList<>();

    private NatsServers() {
    }

    static boolean installed() {
        return Files.isExecutable(Path.of(BINARY));
    }

    static NatsServers single(Path dir) throws IOException {
        NatsServers s = new NatsServers();
        try {
            int port = freePort();
            s.start(dir.resolve("n0"), List.of("-p", String.valueOf(port), "-a", "127.0.0.1"), port);
            s.awaitUp();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Three servers in one JetStream cluster, routes on loopback. */
    static NatsServers cluster(Path dir) throws IOException {
        NatsServers s = new NatsServers();
        try {
            int[] client = {freePort(), freePort(), freePort()};
            int[] route = {freePort(), freePort(), freePort()};
            String routes = "nats://127.0.0.1:" + route[0] + ",nats://127.0.0.1:" + route[1] + ",nats://127.0.0.1:" + route[2];
            for (int i = 0; i < 3; i++) {
                s.start(dir.resolve("n" + i), List.of("-p", String.valueOf(client[i]), "-a", "127.0.0.1",
                        "-n", "n" + i, "--cluster_name", "overseer-test",
                        "--cluster", "nats://127.0.0.1:" + route[i], "--routes", routes), client[i]);
            }
            s.awaitUp();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void start(Path store, List<String> args, int port) throws IOException {
        Files.createDirectories(store);
        List<String> cmd = new ArrayList<>(List.of(BINARY, "-js", "-sd", store.toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(store.resolve("server.log").toFile()).start();
        processes.add(p);
        clientPorts.add(port);
    }

    private void awaitUp() {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (int i = 0; i < clientPorts.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw new IllegalStateException("nats-server on port " + clientPorts.get(i) + " exited");
                }
                try (Socket ignored = new Socket("127.0.0.1", clientPorts.get(i))) {
                    // accepting
                } catch (IOException e) {
                    return false;
                }
            }
            return true;
        });
    }

    List<String> urls() {
        return clientPorts.stream().map(p -> "nats://127.0.0.1:" + p).toList();
    }

    /** kill -9 of server {@code i}. */
    void kill(int i) throws InterruptedException {
        processes.get(i).destroyForcibly().waitFor();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
