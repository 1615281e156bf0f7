package overseer.server;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http1.Http1Config;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One listener of the API, kept listening. Helidon 4.5's accept loop gives the listener up on any error of
 * accept(2) (EMFILE when the process is out of descriptors: "Got a throwable while listening, this server
 * socket is terminating now"): it closes the server socket, deletes the Unix socket file and then waits, for
 * ever, for its own loop to end (ServerListener.stop joins the future that loop completes). Nothing of that is
 * reported through its API, so {@link #alive()} looks from outside: the Unix socket file this listener bound
 * is still there, or the TCP port still accepts. A dead listener is started again, with a backoff while
 * descriptors are short; the old one's stuck thread is left behind (one per death).
 */
final class Served implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Served.class.getName());
    private static final Duration FIRST_RETRY = Duration.ofMillis(20);
    private static final Duration LAST_RETRY = Duration.ofSeconds(1);

    private final String name;
    final ConnectionGuard guard;
    private final HttpRouting.Builder routing;
    private final java.util.function.BiConsumer<WebServerConfig.Builder, Object> bind;
    private final Function<WebServer, Object> started;
    private final Predicate<Served> alive;
    private final int maxTcpConnections;
    private final AtomicBoolean restarting = new AtomicBoolean();
    private volatile boolean closing;
    private volatile WebServer server;
    /** ListenerWatchdog's count of "terminating" reports when this TCP listener was last found accepting. */
    volatile long reportsSeen;
    /** What {@code started} returned for the running server (the Unix socket's file key). */
    volatile Object bound;

    /**
     * {@code bind} gets the builder and what {@code started} returned for the last server (null at first:
     * a TCP listener on port 0 comes back on the port it had); {@code started} runs once the server listens
     * and returns what identifies its socket; {@code alive} tells whether it still listens.
     */
    Served(String name, ApiServer.Limits limits, boolean perPeer, Consumer<HttpRouting.Builder> routes,
           java.util.function.BiConsumer<WebServerConfig.Builder, Object> bind, Function<WebServer, Object> started,
           Predicate<Served> alive) {
        this.name = name;
        this.guard = new ConnectionGuard(name, limits, perPeer);
        this.bind = bind;
        this.started = started;
        this.alive = alive;
        // Helidon waits before accept(2) beyond this many: the guard answers the excess over its own cap
        // (503), and connections can never take more descriptors than the caps allow.
        this.maxTcpConnections = (int) Math.min(Integer.MAX_VALUE, (long) limits.maxConnections() + ApiServer.REFUSAL_SLACK);
        HttpRouting.Builder r = HttpRouting.builder().addFilter(guard.filter());
        routes.accept(r);
        // Kept: a restarted listener builds its routing from the same services (no meter is made twice).
        this.routing = r;
    }

    void start() {
        WebServerConfig.Builder b = WebServer.builder()
                .maxPayloadSize(ApiServer.MAX_BODY)
                .shutdownHook(false)
                .maxTcpConnections(maxTcpConnections)
                .connectionOptions(guard.socketOptions())
                .addProtocol(Http1Config.builder().addReceiveListener(guard.receiveListener()).build())
                .directHandlers(MalformedRequests.handlers())
                .routing(routing);
        bind.accept(b, bound);
        WebServer s = b.build().start();
        server = s;
        bound = started.apply(s);
    }

    int port() {
        return server.port();
    }

    String name() {
        return name;
    }

    /** Called by the watchdog: starts the listener again if Helidon gave it up. */
    void check() {
        if (closing || restarting.get() || alive.test(this)) {
            return;
        }
        if (restarting.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "API listener " + name + " stopped by itself; starting it again");
            Thread.ofVirtual().name("api-restart-" + name).start(this::restart);
        }
    }

    private void restart() {
        try {
            WebServer dead = server;
            // Its executors; not waited for, as Helidon's own stop of that listener never returns.
            Thread.ofVirtual().name("api-stop-" + name).start(() -> {
                try {
                    dead.stop();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "stopping the dead listener " + name + ": " + e);
                }
            });
            Duration wait = FIRST_RETRY;
            while (!closing) {
                try {
                    start();
                    LOG.log(System.Logger.Level.WARNING, "API listener " + name + " listens again");
                    return;
                } catch (RuntimeException e) {
                    // Most likely still out of descriptors: try again once some are freed.
                    LOG.log(System.Logger.Level.DEBUG, "API listener " + name + " cannot start yet: " + e);
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
                wait = wait.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : wait.multipliedBy(2);
            }
        } finally {
            restarting.set(false);
        }
    }

    @Override
    public void close() {
        closing = true;
        WebServer s = server;
        if (s != null) {
            s.stop();
        }
        guard.close();
    }
}
