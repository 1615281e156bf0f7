package overseer.fleet;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static org.awaitility.Awaitility.await;

/**
 * Real nats-server processes with JetStream on free loopback ports, each with its own store directory: one
 * server, or a cluster of three. {@link #close()} kills every one still running, so a failed test leaves none.
 */
final class NatsServers implements AutoCloseable {
    static final String BINARY = "/usr/sbin/nats-server";
    private static final int ATTEMPTS = 3;

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> clientPorts = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    private NatsServers() {
    }

    static boolean installed() {
        return Files.isExecutable(Path.of(BINARY));
    }

    static NatsServers single(Path dir) throws IOException {
        return started(dir, 1, (s, at, ports) -> s.start(at.resolve("n0"),
                List.of("-p", String.valueOf(ports[0]), "-a", "127.0.0.1"), ports[0]));
    }

    /** Three servers in one JetStream cluster, routes on loopback. */
    static NatsServers cluster(Path dir) throws IOException {
        return started(dir, 6, (s, at, ports) -> {
            String routes = "nats://127.0.0.1:" + ports[3] + ",nats://127.0.0.1:" + ports[4] + ",nats://127.0.0.1:" + ports[5];
            for (int i = 0; i < 3; i++) {
                s.start(at.resolve("n" + i), List.of("-p", String.valueOf(ports[i]), "-a", "127.0.0.1",
                        "-n", "n" + i, "--cluster_name", "overseer-test",
                        "--cluster", "nats://127.0.0.1:" + ports[3 + i], "--routes", routes), ports[i]);
            }
        });
    }

    private interface Launch {
        void into(NatsServers servers, Path at, int[] ports) throws IOException;
    }

    /**
     * Starts the servers on fresh ports until all of them accept, at most {@link #ATTEMPTS} times: a port found
     * free can still be taken before the server binds it (CI once lost a cluster that way), and a server that
     * exits says why only in its log, which the last failure quotes.
     */
    private static NatsServers started(Path dir, int ports, Launch launch) throws IOException {
        for (int attempt = 1; ; attempt++) {
            NatsServers s = new NatsServers();
            Path at = dir.resolve("attempt-" + attempt);
            try {
                launch.into(s, at, freePorts(ports));
                s.awaitUp();
                return s;
            } catch (ServerExited e) {
                s.close();
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException(e.getMessage() + "; its log ends:\n" + tail(e.log), e);
                }
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
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
        logs.add(store.resolve("server.log"));
    }

    private void awaitUp() {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (int i = 0; i < clientPorts.size(); i++) {
                if (!processes.get(i).isAlive()) {
                    throw new ServerExited("nats-server on port " + clientPorts.get(i) + " exited", logs.get(i));
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

    /**
     * Distinct ports that were free a moment ago, below the kernel's ephemeral range: the servers' own outgoing
     * route connections (and every other client on the machine) take their source ports from that range, so a
     * port chosen there by bind(0) can be taken by a connect before its server listens on it.
     */
    private static int[] freePorts(int n) throws IOException {
        int below = Math.min(ephemeralLow(), 65536);
        int from = Math.max(1024, below - 12000);
        Set<Integer> chosen = new LinkedHashSet<>();
        while (chosen.size() < n) {
            int port = ThreadLocalRandom.current().nextInt(from, below);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                chosen.add(s.getLocalPort());
            } catch (BindException e) {
                // in use: another
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int ephemeralLow() throws IOException {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        // readAllLines, not readString: a sysctl file reports size 0, and readString then returns its first byte.
        return Files.isReadable(range) ? Integer.parseInt(Files.readAllLines(range).getFirst().trim().split("\\s+")[0]) : 32768;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** A server that was started and is gone before it accepted. */
    private static final class ServerExited extends RuntimeException {
        final transient Path log;

        ServerExited(String message, Path log) {
            super(message);
            this.log = log;
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
