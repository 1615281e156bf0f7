package overseer.cli;

import overseer.core.internal.Durations;
import overseer.core.OverseerException;
import overseer.core.RoutingRuntime;
import overseer.core.internal.Sizes;
import overseer.core.spi.TaskRuntime;
import overseer.linux.FileLimit;
import overseer.linux.NativeRuntime;
import overseer.linux.SdNotify;
import overseer.linux.Subreaper;
import overseer.oci.OciRuntime;
import overseer.server.ApiServer;
import overseer.server.Daemon;
import overseer.wire.LogLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code overseer daemon}: serves the API on a Unix socket until SIGTERM or SIGINT. On the way out the API
 * stops and the state is closed; tasks keep running unless {@code --stop-tasks}.
 *
 * <p>The JVM the user starts is the {@link Monitor}: it runs the daemon itself as its child (the same
 * command with {@code --serve}), restarts it when it crashes and records the exits of tasks that end while
 * no daemon is there. {@code --serve} alone runs a daemon without a monitor: the exits of native tasks that
 * end while that daemon is down are then unknown.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run the Overseer daemon: the HTTP API on a Unix socket, state in SQLite.")
final class DaemonCommand implements Callable<Integer> {
    @Option(names = {"-H", "--socket"}, paramLabel = "PATH", description = "Unix socket (default: /run/overseer/overseer.sock as root).")
    Path socket;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory (default: /var/lib/overseer as root).")
    Path stateDir;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file with socket=, state-dir=, tcp=HOST:PORT, token-file=, log-format=, "
                    + "log-level=, log-max-size=, log-max-files=; flags win.")
    Path config;

    @Option(names = "--tcp", paramLabel = "HOST:PORT", description = "Also listen on TCP (needs --token-file); loopback if HOST is empty.")
    String tcp;

    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the bearer token TCP clients must send.")
    Path tokenFile;

    @Option(names = "--stop-tasks", description = "Stop and delete every task when the daemon stops.")
    boolean stopTasks;

    @Option(names = "--runtime", defaultValue = "auto", paramLabel = "auto|native|oci|both",
            description = "Runtime of the daemon's tasks (default: ${DEFAULT-VALUE}): oci tasks run isolated under "
                    + "overseer-monitor or conmon; with both, a task that asks for isolation runs on oci and any other on native; "
                    + "auto is both where crun or runc and a monitor work, else native (isolated tasks are then refused).")
    String runtime;

    @Option(names = "--cgroup-parent", paramLabel = "PATH", defaultValue = NativeRuntime.Options.DEFAULT_PARENT,
            description = "Cgroup under which every task gets <namespace>/<id>, in every hierarchy (default: ${DEFAULT-VALUE}).")
    String cgroupParent;

    @Option(names = "--log-max-size", paramLabel = "SIZE",
            description = "Rotate a task's stdout or stderr file past this size (default: 64m; docker's max-size).")
    String logMaxSize;

    @Option(names = "--log-max-files", paramLabel = "N",
            description = "Files kept per stream, the current one included (default: 3; docker's max-file).")
    Integer logMaxFiles;

    @Option(names = "--services", paramLabel = "DIR",
            description = "Keep the services declared in DIR/*.yaml (docs/services.md); `overseer reload` or SIGHUP applies changes.")
    Path services;

    @Option(names = "--orphans", paramLabel = "stop|adopt", defaultValue = "stop",
            description = "At start, what to do with tasks found under this daemon's cgroups or state that its store "
                    + "does not know (default: ${DEFAULT-VALUE}); they are logged and listed at /v1/orphans.")
    String orphans;

    @Option(names = "--max-connections", paramLabel = "N|auto", defaultValue = "auto",
            description = "Open connections each listener accepts; the excess is answered 503 and closed (default: ${DEFAULT-VALUE}: "
                    + "a quarter of the descriptors, 16 to 4096).")
    String maxConnections;

    @Option(names = "--max-connections-per-peer", paramLabel = "N", defaultValue = "64",
            description = "Unauthenticated TCP connections one address may hold; the excess is answered 429 (default: ${DEFAULT-VALUE}).")
    int maxConnectionsPerPeer;

    @Option(names = "--header-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "A request's headers must arrive within this of the connection or of its request line, "
                    + "else 408 and the connection closes (default: ${DEFAULT-VALUE}).")
    String headerTimeout;

    @Option(names = "--body-timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "A request's body must arrive within this of its headers, else 408 and the connection closes "
                    + "(default: ${DEFAULT-VALUE}).")
    String bodyTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "120s",
            description = "A connection idle this long between requests is closed (default: ${DEFAULT-VALUE}).")
    String idleTimeout;

    @Option(names = "--log-format", paramLabel = "logfmt|json",
            description = "The daemon's log on stderr, one line per event: logfmt or json (default: logfmt).")
    String logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "Least level logged: trace, debug, info, warn or error (default: info); "
                    + "libraries' lines show from warn unless debug or trace.")
    String logLevel;

    @Option(names = "--serve", hidden = true,
            description = "Serve in this process, without a monitor: exits of tasks that end while the daemon is down are then unknown.")
    boolean serve;

    @Option(names = "--monitor-pid", hidden = true, paramLabel = "PID",
            description = "Set by the monitor on the daemon it spawns: the daemon dies with it.")
    long monitorPid;

    @picocli.CommandLine.Mixin
    FleetFlags fleet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Properties p = new Properties();
        if (config != null) {
            try (Reader r = Files.newBufferedReader(config)) {
                p.load(r);
            } catch (IOException e) {
                throw OverseerException.invalidField("--config", "cannot read %s: %s", config, e.getMessage());
            }
        }
        // First after the file: every line from here on, the monitor's and the libraries' included, reads one way.
        String format = orDefault(logFormat, p, "log-format", "logfmt");
        String level = orDefault(logLevel, p, "log-level", "info");
        overseer.server.DaemonLog.configure(overseer.server.LogFormat.parse(setting("--log-format", logFormat, p, "log-format"), format),
                overseer.server.DaemonLog.level(setting("--log-level", logLevel, p, "log-level"), level));
        Path sock = Globals.socketFlag(spec, socket)
                .orElse(Optional.ofNullable(p.getProperty("socket")).map(Path::of).orElse(Daemon.defaultSocket()));
        Path state = stateDir != null ? stateDir
                : Optional.ofNullable(p.getProperty("state-dir")).map(Path::of).orElse(Daemon.defaultStateDir());
        Optional<ApiServer.Tcp> listener = tcp(tcp != null ? tcp : p.getProperty("tcp"),
                tokenFile != null ? tokenFile : Optional.ofNullable(p.getProperty("token-file")).map(Path::of).orElse(null));
        if (!List.of("auto", "native", "oci", "both").contains(runtime)) {
            throw OverseerException.invalidField("--runtime", "expected auto, native, oci or both, got \"%s\"", runtime);
        }
        overseer.server.Orphans orphanPolicy = overseer.server.Orphans.parse("--orphans", orphans);
        LogLimits logs = logLimits(p); // refused here, before the monitor starts a daemon with it
        // Checked here too, so that a mistake is told before the monitor starts.
        limits(maxConnections.equals("auto") ? 4096 : connections());
        if (!serve) {
            return new Monitor(state, daemonArgs(sock)).run();
        }
        // Every client and every task's pipes and logs take descriptors: the soft limit (often 1024) is what
        // ran out first; the hard limit is the administrator's word (systemd's LimitNOFILE=).
        FileLimit nofile = FileLimit.raiseSoftToHard();
        ApiServer.Limits limits = limits(maxConnections.equals("auto") ? autoConnections(nofile) : connections());
        if (monitorPid > 0) {
            Subreaper.dieWithParent(monitorPid);
        }
        if (services != null && !Files.isDirectory(services)) {
            throw OverseerException.invalidField("--services", "%s is not a directory", services);
        }
        CountDownLatch stop = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Daemon> up = new java.util.concurrent.atomic.AtomicReference<>();
        // Handlers first: a SIGTERM that comes while the daemon starts (its socket is already there) still
        // stops it cleanly once it is up. SIGHUP (the monitor forwards it) reloads the service files, as
        // systemctl reload and supervisord do.
        Signals.on(List.of("TERM", "INT", "HUP"), s -> {
            if (s.name().equals("SIGHUP")) {
                Optional.ofNullable(up.get()).ifPresent(d -> Thread.ofVirtual().start(d::reload)); // it logs what it did
            } else {
                stop.countDown();
            }
        });
        TaskRuntime rt = runtime(state);
        try (Daemon d = new Daemon(rt, sock, listener, state, stopTasks,
                Optional.ofNullable(services).map(Path::toAbsolutePath), orphanPolicy, limits);
             AutoCloseable member = fleet.join(d.supervisor(), d.socket())) { // closed first: the fleet's commands go back
            d.logLimits(logs);
            up.set(d);
            writePid(state.resolve(Monitor.PID_FILE));
            overseer.server.LifecycleLog.daemonStarted(d.socket(), state, rt.name(), nofile.toString());
            notifySystemd(answers(d.socket()) ? "READY=1\nSTATUS=listening on " + d.socket() : "STATUS=the socket does not answer");
            stop.await();
            notifySystemd("STOPPING=1");
            overseer.server.LifecycleLog.daemonStopping(stopTasks);
        }
        overseer.server.LifecycleLog.daemonStopped();
        if (monitorPid == 0) {
            Files.deleteIfExists(state.resolve(Monitor.PID_FILE)); // under a monitor, the monitor removes it
        }
        return 0;
    }

    /**
     * systemd's Type=notify (docs/install.md): READY=1 once the socket has answered a request, STOPPING=1 when the
     * daemon begins to stop. The daemon, not its monitor, notifies (the unit says NotifyAccess=all): it alone knows
     * when it serves. Tasks never see $NOTIFY_SOCKET: their environment is their spec's. A failure is reported, not fatal.
     */
    private static void notifySystemd(String state) {
        try {
            SdNotify.notify(state);
        } catch (IOException e) {
            overseer.server.LifecycleLog.daemonWarning("systemd notify", e.getMessage());
        }
    }

    /** A real request over the daemon's own socket: what READY=1 promises a client. */
    private static boolean answers(Path socket) {
        try {
            return new overseer.client.OverseerClient(socket).health().path("status").asString().equals("ok");
        } catch (RuntimeException e) {
            overseer.server.LifecycleLog.daemonWarning("socket", socket + " does not answer: " + e.getMessage());
            return false;
        }
    }

    private ApiServer.Limits limits(int connections) {
        return new ApiServer.Limits(connections, maxConnectionsPerPeer, Durations.parse("--header-timeout", headerTimeout),
                Durations.parse("--body-timeout", bodyTimeout), Durations.parse("--idle-timeout", idleTimeout));
    }

    private int connections() {
        try {
            return Integer.parseInt(maxConnections.strip());
        } catch (NumberFormatException e) {
            throw OverseerException.invalidField("--max-connections", "expected a number or auto, got \"%s\"", maxConnections);
        }
    }

    /**
     * A quarter of the descriptors for each listener (two listeners take half; tasks, logs and the store the
     * rest), at least 16 and at most 4096: connections alone can then never exhaust the daemon's descriptors.
     */
    static int autoConnections(FileLimit nofile) {
        long soft = nofile.soft() == FileLimit.UNLIMITED ? Long.MAX_VALUE : nofile.soft();
        return (int) Math.clamp((soft - 256) / 4, 16, 4096);
    }

    /** The flag's value, else the --config file's {@code key}, else {@code fallback}. */
    private static String orDefault(String flag, Properties p, String key, String fallback) {
        return flag != null ? flag : p.getProperty(key, fallback);
    }

    /** How an error names where a value came from: the flag, or the key of the --config file. */
    private String setting(String flagName, String flag, Properties p, String key) {
        return flag == null && p.getProperty(key) != null ? key + " (in " + config + ")" : flagName;
    }

    /** --log-max-size and --log-max-files, or log-max-size and log-max-files in the --config file. */
    private LogLimits logLimits(Properties p) {
        String size = logMaxSize != null ? logMaxSize : p.getProperty("log-max-size");
        String files = logMaxFiles != null ? logMaxFiles.toString() : p.getProperty("log-max-files");
        long bytes = size == null ? LogLimits.DEFAULT.maxBytes() : Sizes.parse("--log-max-size", size);
        int n;
        try {
            n = files == null ? LogLimits.DEFAULT.maxFiles() : Integer.parseInt(files.strip());
        } catch (NumberFormatException e) {
            throw OverseerException.invalidField("--log-max-files", "expected a number, got \"%s\"", files);
        }
        try {
            return new LogLimits(bytes, n);
        } catch (OverseerException e) {
            throw OverseerException.invalidArgument("--log-max-size/--log-max-files: %s", e.getMessage());
        }
    }

    /** The daemon's own flags, for the daemon the monitor spawns; a socket given before the verb is passed on. */
    private List<String> daemonArgs(Path sock) {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int at = all.indexOf(spec.name());
        List<String> own = new java.util.ArrayList<>(all.subList(at + 1, all.size()));
        if (socket == null) {
            own.addAll(List.of("--socket", sock.toString()));
        }
        return own;
    }

    private TaskRuntime runtime(Path state) {
        // Every task in its own cgroup, as systemd gives every service one: a task spawned just before a crash is
        // found by it, and a kill or a delete reaches every process the task left, not only its process group.
        NativeRuntime.Options options = NativeRuntime.Options.defaults().withExitDir(state.resolve(Monitor.EXIT_DIR))
                .withCgroupEveryTask(true).withCgroupParent(cgroupParent);
        return switch (runtime) {
            case "native" -> new NativeRuntime(options);
            case "oci" -> oci(state);
            case "both" -> new RoutingRuntime(new NativeRuntime(options), oci(state));
            default -> auto(state, new NativeRuntime(options));
        };
    }

    private TaskRuntime oci(Path state) {
        return OciRuntime.builder().stateDir(state.resolve("oci")).cgroupParent("/" + cgroupParent).build();
    }

    /** native + oci where an OCI runtime and a monitor work here; else native, refusing isolated tasks with the reason. */
    private TaskRuntime auto(Path state, NativeRuntime nativeRuntime) {
        try {
            return new RoutingRuntime(nativeRuntime, oci(state));
        } catch (OverseerException e) {
            overseer.server.LifecycleLog.daemonWarning("runtime", "no OCI runtime, isolated tasks are refused: " + e.getMessage());
            return new RoutingRuntime(nativeRuntime, new NoOciRuntime(e.getMessage()));
        }
    }

    /** {@code <state-dir>/daemon.pid}, 0600, written whole: what operators and tests kill -9. */
    private static void writePid(Path file) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, ProcessHandle.current().pid() + "\n");
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Optional<ApiServer.Tcp> tcp(String hostPort, Path tokenFile) {
        if (hostPort == null) {
            return Optional.empty();
        }
        if (tokenFile == null) {
            throw OverseerException.invalidField("--tcp", "needs --token-file, TCP clients must authenticate");
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw OverseerException.invalidField("--tcp", "expected HOST:PORT, got \"%s\"", hostPort);
        }
        String host = colon == 0 ? "127.0.0.1" : hostPort.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw OverseerException.invalidField("--tcp", "\"%s\" is not a port", hostPort.substring(colon + 1));
        }
        try {
            return Optional.of(new ApiServer.Tcp(host, port, Files.readString(tokenFile).strip()));
        } catch (IOException e) {
            throw OverseerException.invalidField("--token-file", "cannot read %s: %s", tokenFile, e.getMessage());
        }
    }
}
