package overseer.cli;

import overseer.core.OverseerException;
import overseer.core.RoutingRuntime;
import overseer.core.spi.Runtime;
import overseer.linux.NativeRuntime;
import overseer.oci.OciRuntime;
import overseer.server.ApiServer;
import overseer.server.Daemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code overseer daemon}: serves the API on a Unix socket until SIGTERM or SIGINT. On the way out the API
 * stops and the state is closed; tasks keep running unless {@code --stop-tasks}.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the Overseer daemon: the HTTP API on a Unix socket, state in SQLite.")
final class DaemonCommand implements Callable<Integer> {
    @Option(names = "--socket", paramLabel = "PATH", description = "Unix socket (default: /run/overseer/overseer.sock as root).")
    Path socket;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory (default: /var/lib/overseer as root).")
    Path stateDir;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file with socket=, state-dir=, tcp=HOST:PORT, token-file=; flags win.")
    Path config;

    @Option(names = "--tcp", paramLabel = "HOST:PORT", description = "Also listen on TCP (needs --token-file); loopback if HOST is empty.")
    String tcp;

    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the bearer token TCP clients must send.")
    Path tokenFile;

    @Option(names = "--stop-tasks", description = "Stop and delete every task when the daemon stops.")
    boolean stopTasks;

    @Option(names = "--runtime", defaultValue = "native", paramLabel = "native|oci|both",
            description = "Runtime of the daemon's tasks (default: ${DEFAULT-VALUE}): oci tasks run isolated under conmon "
                    + "and keep their true exit codes across a daemon restart; with both, a task that asks for "
                    + "isolation runs on oci and any other on native.")
    String runtime;

    @Override
    public Integer call() throws Exception {
        Properties p = new Properties();
        if (config != null) {
            try (Reader r = Files.newBufferedReader(config)) {
                p.load(r);
            } catch (IOException e) {
                throw OverseerException.invalidArgument("--config: cannot read %s: %s", config, e.getMessage());
            }
        }
        Path sock = socket != null ? socket : Optional.ofNullable(p.getProperty("socket")).map(Path::of).orElse(Daemon.defaultSocket());
        Path state = stateDir != null ? stateDir
                : Optional.ofNullable(p.getProperty("state-dir")).map(Path::of).orElse(Daemon.defaultStateDir());
        Optional<ApiServer.Tcp> listener = tcp(tcp != null ? tcp : p.getProperty("tcp"),
                tokenFile != null ? tokenFile : Optional.ofNullable(p.getProperty("token-file")).map(Path::of).orElse(null));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime rt = switch (runtime) {
            case "native" -> new NativeRuntime();
            case "oci" -> OciRuntime.builder().stateDir(state.resolve("oci")).build();
            case "both" -> new RoutingRuntime(new NativeRuntime(), OciRuntime.builder().stateDir(state.resolve("oci")).build());
            default -> throw OverseerException.invalidArgument("--runtime: expected native, oci or both, got \"%s\"", runtime);
        };
        // Handlers first: a SIGTERM that comes while the daemon starts (its socket is already there) still
        // stops it cleanly once it is up.
        for (String sig : new String[]{"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
        }
        try (Daemon d = new Daemon(rt, sock, listener, state, stopTasks)) {
            System.err.println("overseer daemon: listening on " + d.socket() + ", state in " + state);
            stop.await();
            System.err.println("overseer daemon: stopping" + (stopTasks ? " and stopping its tasks" : "; tasks keep running"));
        }
        return 0;
    }

    private static Optional<ApiServer.Tcp> tcp(String hostPort, Path tokenFile) {
        if (hostPort == null) {
            return Optional.empty();
        }
        if (tokenFile == null) {
            throw OverseerException.invalidArgument("--tcp: needs --token-file, TCP clients must authenticate");
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw OverseerException.invalidArgument("--tcp: expected HOST:PORT, got \"%s\"", hostPort);
        }
        String host = colon == 0 ? "127.0.0.1" : hostPort.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw OverseerException.invalidArgument("--tcp: \"%s\" is not a port", hostPort.substring(colon + 1));
        }
        try {
            return Optional.of(new ApiServer.Tcp(host, port, Files.readString(tokenFile).strip()));
        } catch (IOException e) {
            throw OverseerException.invalidArgument("--token-file: cannot read %s: %s", tokenFile, e.getMessage());
        }
    }
}
