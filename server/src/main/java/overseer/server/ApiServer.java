package overseer.server;

import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import overseer.core.OverseerException;

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

    public ApiServer(Path socket, TaskService tasks) {
        this.socket = socket;
        try {
            Files.createDirectories(socket.toAbsolutePath().getParent());
            Files.deleteIfExists(socket); // a stale socket of a daemon that died
        } catch (IOException e) {
            throw OverseerException.unavailable("socket %s: %s", socket, e.getMessage());
        }
        server = WebServer.builder()
                .bindAddress(UnixDomainSocketAddress.of(socket))
                .maxPayloadSize(MAX_BODY)
                .routing(r -> routing(r, tasks))
                .build()
                .start();
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            server.stop();
            throw OverseerException.unavailable("socket %s: cannot restrict it to its owner: %s", socket, e.getMessage());
        }
    }

    static void routing(HttpRouting.Builder r, TaskService tasks) {
        r.get("/healthz", (req, res) -> res.header("Content-Type", "application/json").send("{\"status\":\"ok\"}"))
                .register("/v1/namespaces", new TaskRoutes(tasks))
                .error(OverseerException.class, (req, res, e) -> res.status(ApiError.status(e.kind()))
                        .header("Content-Type", "application/json").send(ApiError.body(e)))
                .error(Exception.class, (req, res, e) -> res.status(Status.INTERNAL_SERVER_ERROR_500)
                        .header("Content-Type", "application/json")
                        .send(ApiError.body(OverseerException.internal(e.getClass().getSimpleName(), e))))
                .any((req, res) -> res.status(Status.NOT_FOUND_404).header("Content-Type", "application/json")
                        .send(ApiError.body(OverseerException.notFound("no route for %s %s", req.prologue().method().text(),
                                req.path().path()))));
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        server.stop();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // it goes with the directory
        }
    }
}
