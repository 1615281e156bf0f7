package overseer.server;

import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import overseer.core.OverseerException;
import overseer.supervisor.Supervisor;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The daemon's HTTP/JSON API (Helidon SE on virtual threads), bound to a Unix socket that only its owner
 * may use (mode 0600).
 */
public final class ApiServer implements AutoCloseable {
    /** Requests larger than this are refused (413) before they are read. */
    static final long MAX_BODY = 1 << 20;

    private final WebServer server;
    private final Path socket;
    /** The socket file this server bound: on close only that one is removed, never a successor's. */
    private final Object boundKey;

    /** An optional TCP listener; every request on it must carry {@code Authorization: Bearer <token>}. */
    public record Tcp(String host, int port, String token) {
        public Tcp {
            if (token == null || token.length() < 16) {
                throw OverseerException.invalidArgument("tcp.token: must be at least 16 characters");
            }
            if (port < 0 || port > 65535) {
                throw OverseerException.invalidArgument("tcp.port: %d is out of range 0..65535", port);
            }
        }
    }

    public ApiServer(Path socket, java.util.Optional<Tcp> tcp, TaskService tasks, Supervisor jobs) {
        this(socket, tcp, tasks, jobs, java.util.Optional.empty());
    }

    ApiServer(Path socket, java.util.Optional<Tcp> tcp, TaskService tasks, Supervisor jobs,
              java.util.Optional<ServiceDirectory> services) {
        this.socket = socket;
        requireFree(socket);
        // Bound in a private directory, narrowed to 0600, and only then moved to its name: at no moment can
        // anyone else connect, whatever the umask (bind(2) creates the file 0777 & ~umask).
        Path staging = PrivateFiles.stagingDirectory(socket.toAbsolutePath().getParent());
        Path bound = staging.resolve("s");
        var builder = WebServer.builder()
                .bindAddress(UnixDomainSocketAddress.of(bound))
                .maxPayloadSize(MAX_BODY)
                .directHandlers(MalformedRequests.handlers())
                .routing(r -> routing(r, tasks, jobs, services));
        tcp.ifPresent(t -> builder
                .putSocket("tcp", l -> l.host(t.host()).port(t.port()).maxPayloadSize(MAX_BODY)
                        .directHandlers(MalformedRequests.handlers()))
                .routing("tcp", r -> routing(r.addFilter(new BearerToken(t.token())), tasks, jobs, services)));
        try {
            server = builder.build().start();
        } catch (RuntimeException e) {
            PrivateFiles.deleteQuietly(bound, staging);
            throw e;
        }
        try {
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            boundKey = Files.readAttributes(bound, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
            // Atomic: a stale socket of a daemon that died is replaced, and clients never see no socket.
            Files.move(bound, socket, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            server.stop();
            PrivateFiles.deleteQuietly(bound, staging);
            throw OverseerException.unavailable("socket %s: cannot restrict it to its owner: %s", socket, e.getMessage());
        }
        PrivateFiles.deleteQuietly(staging);
    }

    /** FAILED_PRECONDITION when a live daemon listens on {@code socket}; a stale socket file is fine. */
    static void requireFree(Path socket) {
        if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS) && answers(socket)) {
            throw OverseerException.failedPrecondition("socket %s: another daemon is listening on it", socket);
        }
    }

    /** Whether something accepts connections on the socket. */
    private static boolean answers(Path socket) {
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            return c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException refused) {
            return false;
        }
    }

    static void routing(HttpRouting.Builder r, TaskService tasks, Supervisor jobs,
                        java.util.Optional<ServiceDirectory> services) {
        rules(r, tasks, jobs, services);
        r.error(OverseerException.class, (req, res, e) -> res.status(ApiError.status(e))
                        .header("Content-Type", "application/json").send(ApiError.body(e)))
                .error(Exception.class, (req, res, e) -> {
                    OverseerException mapped = MalformedRequests.classify(e); // the client's mistake is a 4xx
                    res.status(ApiError.status(mapped)).header("Content-Type", "application/json")
                            .send(ApiError.body(mapped));
                })
                .any((req, res) -> res.status(Status.NOT_FOUND_404).header("Content-Type", "application/json")
                        .send(ApiError.body(OverseerException.notFound("no route for %s %s", req.prologue().method().text(),
                                req.path().path()))));
    }

    /** Every route of the API; docs/openapi.yaml documents exactly these (ApiRoutesTest checks it). */
    static void rules(HttpRules r, TaskService tasks, Supervisor jobs, java.util.Optional<ServiceDirectory> services) {
        TaskRoutes taskRoutes = new TaskRoutes(tasks);
        r.get("/healthz", (req, res) -> res.header("Content-Type", "application/json").send("{\"status\":\"ok\"}"))
                .get("/v1/tasks", taskRoutes::listAll)
                .register("/v1/namespaces", taskRoutes, new LogRoutes(tasks))
                .register("/v1/events", new EventRoutes(tasks.tasks().events(), tasks.recent()))
                .register("/v1/jobs", new JobRoutes(jobs, tasks.store()))
                .register("/v1/slices", new SliceRoutes(jobs))
                .register("/v1/services", new ServiceRoutes(services))
                .register("/v1/orphans", new OrphanRoutes(tasks))
                .register("/metrics", new Metrics(tasks));
    }

    /** The TCP listener's port (useful when it was 0: any free port). */
    public int tcpPort() {
        return server.port("tcp");
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        server.stop();
        try {
            Object now = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
            if (java.util.Objects.equals(now, boundKey)) {
                Files.delete(socket);
            }
        } catch (IOException e) {
            // gone already, or it goes with the directory
        }
    }
}
