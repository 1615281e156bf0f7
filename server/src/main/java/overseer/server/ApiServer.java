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
import java.time.Duration;

/**
 * The daemon's HTTP/JSON API (Helidon SE on virtual threads), bound to a Unix socket that only its owner
 * may use (mode 0600).
 */
public final class ApiServer implements AutoCloseable {
    /** Requests larger than this are refused (413) before they are read. */
    static final long MAX_BODY = 1 << 20;

    private final Path socket;
    private final Served unix;
    private final java.util.Optional<Served> tcp;
    private final ListenerWatchdog watchdog;
    /** The private directory the Unix listener is being bound in (see {@link #stage}). */
    private volatile Path staging;
    /** Connections over a listener's cap that still get a 503 from the guard before Helidon stops accepting. */
    static final int REFUSAL_SLACK = 64;

    /** An optional TCP listener; every request on it must carry {@code Authorization: Bearer <token>}. */
    public record Tcp(String host, int port, String token) {
        public Tcp {
            if (token == null || token.length() < 16) {
                throw OverseerException.invalidField("tcp.token", "must be at least 16 characters");
            }
            if (port < 0 || port > 65535) {
                throw OverseerException.invalidField("tcp.port", "%d is out of range 0..65535", port);
            }
        }
    }

    /**
     * What one listener gives its clients (docs/daemon.md): at most {@code maxConnections} open connections,
     * on TCP at most {@code maxConnectionsPerPeer} not yet authenticated from one address; a request's headers
     * must arrive within {@code headerTimeout} of the connection (or of its request line), its body within
     * {@code bodyTimeout} of its headers, and a connection idle for {@code idleTimeout} between requests is closed.
     */
    public record Limits(int maxConnections, int maxConnectionsPerPeer, Duration headerTimeout, Duration bodyTimeout,
                         Duration idleTimeout) {
        public Limits {
            if (maxConnections < 1) {
                throw OverseerException.invalidField("max-connections", "%d must be at least 1", maxConnections);
            }
            if (maxConnectionsPerPeer < 1) {
                throw OverseerException.invalidField("max-connections-per-peer", "%d must be at least 1", maxConnectionsPerPeer);
            }
            positive("header-timeout", headerTimeout);
            positive("body-timeout", bodyTimeout);
            positive("idle-timeout", idleTimeout);
        }

        /** 4096 connections a listener, 64 per unauthenticated TCP peer; headers 10 s, body 60 s, idle 120 s. */
        public static Limits defaults() {
            return new Limits(4096, 64, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(120));
        }

        Duration shortestTimeout() {
            Duration d = headerTimeout.compareTo(bodyTimeout) < 0 ? headerTimeout : bodyTimeout;
            return d.compareTo(idleTimeout) < 0 ? d : idleTimeout;
        }

        private static void positive(String field, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw OverseerException.invalidField(field, "%s must be a positive duration", d);
            }
        }
    }

    public ApiServer(Path socket, java.util.Optional<Tcp> tcp, TaskService tasks, Supervisor jobs) {
        this(socket, tcp, tasks, jobs, java.util.Optional.empty(), Limits.defaults());
    }

    ApiServer(Path socket, java.util.Optional<Tcp> tcp, TaskService tasks, Supervisor jobs,
              java.util.Optional<ServiceDirectory> services, Limits limits) {
        this.socket = socket;
        requireFree(socket);
        ApiRequests requests = new ApiRequests(); // one for both listeners: /metrics on either shows all
        // One web server per listener: Helidon ends a listener for good when accept fails (EMFILE when the
        // descriptors run out), and each is then started again by itself (Served) without touching the other.
        this.unix = new Served("unix", limits, false,
                r -> routing(r.addFilter(requests).addFilter(new RebindingGuard()), tasks, jobs, services, requests),
                (l, before) -> l.bindAddress(UnixDomainSocketAddress.of(stage())), this::restrict, this::bound);
        unix.start();
        java.util.Optional<Served> tcpServed = java.util.Optional.empty();
        try {
            tcpServed = tcp.map(t -> new Served("tcp", limits, true,
                    r -> routing(r.addFilter(requests).addFilter(new BearerToken(t.token())), tasks, jobs, services, requests),
                    (l, before) -> l.host(t.host()).port(before instanceof Integer was ? was : t.port()),
                    s -> s.port(), s -> accepts(t.host(), s)));
            tcpServed.ifPresent(Served::start);
        } catch (RuntimeException e) {
            unix.close();
            throw e;
        }
        this.tcp = tcpServed;
        this.watchdog = new ListenerWatchdog(this.tcp.isPresent() ? java.util.List.of(unix, this.tcp.get())
                : java.util.List.of(unix));
    }

    /**
     * Whether the Unix listener still listens. Helidon, giving a listener up, deletes the name it bound: the
     * staging one, kept as a second link to the socket (see {@link #restrict}); and the socket's own name must
     * still be this listener's.
     */
    private boolean bound(Served s) {
        Path staged = staging;
        if (staged == null || !Files.exists(staged.resolve("s"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            return java.util.Objects.equals(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey(), s.bound);
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        } catch (IOException e) {
            return true; // cannot tell (out of descriptors?): asked again at the next look
        }
    }

    /** Whether the TCP port still accepts: only a refusal says no (a failure to make a socket says nothing). */
    private static boolean accepts(String host, Served s) {
        long reports = ListenerWatchdog.reports();
        if (reports == s.reportsSeen) {
            return true; // Helidon logged no listener giving up since the last look: no probe connection is made
        }
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open()) {
            c.socket().connect(new java.net.InetSocketAddress(host, s.port()), 1000);
            s.reportsSeen = reports;
            return true;
        } catch (java.net.ConnectException refused) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Where the next Unix listener binds: a fresh 0700 directory beside the socket. bind(2) creates the file
     * 0777 & ~umask; there no one else can reach it, and {@link #restrict} narrows it to 0600 and only then
     * links it to its name (atomically replacing a dead daemon's): at no moment can anyone else connect.
     */
    private Path stage() {
        if (staging != null) {
            PrivateFiles.deleteQuietly(staging.resolve("s"), staging); // a start that failed (out of descriptors)
        }
        staging = PrivateFiles.stagingDirectory(socket.toAbsolutePath().getParent());
        return staging.resolve("s");
    }

    /**
     * The socket for its owner only, then linked to its name (a hard link under a temporary name, renamed over
     * the name: a dead daemon's socket is replaced atomically). The staging name stays, a second link, so that
     * Helidon deleting it tells that the listener died. Returns the file key: on close only this one is removed.
     */
    private Object restrict(WebServer server) {
        Path bound = staging.resolve("s");
        Path link = socket.resolveSibling("." + socket.getFileName() + "." + System.nanoTime());
        try {
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Object key = Files.readAttributes(bound, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
            Files.createLink(link, bound);
            Files.move(link, socket, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return key;
        } catch (IOException e) {
            server.stop();
            PrivateFiles.deleteQuietly(link, bound, staging);
            throw OverseerException.unavailable("socket %s: cannot restrict it to its owner: %s", socket, e.getMessage());
        }
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
                        java.util.Optional<ServiceDirectory> services, ApiRequests requests) {
        rules(r, tasks, jobs, services, requests);
        r.error(OverseerException.class, (req, res, e) -> answer(req, res, e))
                .error(Exception.class, (req, res, e) -> answer(req, res, MalformedRequests.classify(e))) // the client's mistake is a 4xx
                .any((req, res) -> answer(req, res, OverseerException.notFound("no route for %s %s",
                        req.prologue().method().text(), req.path().path())));
    }

    /** An error's answer, {kind, message} with its status, and its line in the log (warn; error for a 5xx). */
    private static void answer(io.helidon.webserver.http.ServerRequest req, io.helidon.webserver.http.ServerResponse res,
                               OverseerException e) {
        Status status = ApiError.status(e);
        LifecycleLog.apiError(req.prologue().method().text(), ApiRequests.route(req), status.code(),
                e.kind().name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
        res.status(status).header("Content-Type", "application/json").send(ApiError.body(e));
    }

    /** Every route of the API; docs/openapi.yaml documents exactly these (ApiRoutesTest checks it). */
    static void rules(HttpRules r, TaskService tasks, Supervisor jobs, java.util.Optional<ServiceDirectory> services) {
        rules(r, tasks, jobs, services, new ApiRequests());
    }

    static void rules(HttpRules r, TaskService tasks, Supervisor jobs, java.util.Optional<ServiceDirectory> services,
                      ApiRequests requests) {
        TaskRoutes taskRoutes = new TaskRoutes(tasks);
        StatusPage page = new StatusPage();
        r.get("/", page::index)
                .register("/ui", page)
                .get("/healthz", (req, res) -> res.header("Content-Type", "application/json").send("{\"status\":\"ok\"}"))
                .get("/v1/tasks", taskRoutes::listAll)
                .register("/v1/namespaces", taskRoutes, new LogRoutes(tasks))
                .register("/v1/events", new EventRoutes(tasks.tasks().events(), tasks.recent()))
                .register("/v1/jobs", new JobRoutes(jobs, tasks.store()))
                .register("/v1/slices", new SliceRoutes(jobs))
                .register("/v1/services", new ServiceRoutes(services))
                .register("/v1/orphans", new OrphanRoutes(tasks))
                .register("/metrics", new Metrics(tasks, requests));
    }

    /** The TCP listener's port (useful when it was 0: any free port). */
    public int tcpPort() {
        return tcp.orElseThrow(() -> OverseerException.failedPrecondition("tcp: this daemon has no TCP listener")).port();
    }

    /** Open connections on the Unix socket, and on TCP if it listens (what the guard counts against its cap). */
    int openConnections() {
        return unix.guard.openConnections() + tcp.map(t -> t.guard.openConnections()).orElse(0);
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        watchdog.close();
        tcp.ifPresent(Served::close);
        unix.close();
        try {
            Object now = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
            if (unix.bound != null && java.util.Objects.equals(now, unix.bound)) {
                Files.delete(socket);
            }
        } catch (IOException e) {
            // gone already, or it goes with the directory
        }
        Path staged = staging;
        if (staged != null) {
            PrivateFiles.deleteQuietly(staged.resolve("s"), staged);
        }
    }
}
