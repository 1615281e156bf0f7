package overseer.server;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http1.Http1Config;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One listener of the API, kept listening. Helidon's accept loop ends the listener for good on any error of
 * accept(2) (EMFILE when the process is out of descriptors: "Got a throwable while listening, this server
 * socket is terminating now"), leaving a daemon that nobody can reach. Its routing's afterStop tells us; a
 * stop we did not ask for starts the listener again, retrying with a backoff while descriptors are short.
 */
final class Served implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Served.class.getName());
    private static final Duration FIRST_RETRY = Duration.ofMillis(20);
    private static final Duration LAST_RETRY = Duration.ofSeconds(1);

    private final String name;
    final ConnectionGuard guard;
    private final HttpRouting.Builder routing;
    private final Consumer<WebServerConfig.Builder> bind;
    private final Function<WebServer, Object> started;
    private final AtomicBoolean restarting = new AtomicBoolean();
    private volatile boolean closing;
    private volatile WebServer server;
    /** What {@code started} returned for the running server (the Unix socket's file key). */
    volatile Object bound;

    Served(String name, ApiServer.Limits limits, boolean perPeer, Consumer<HttpRouting.Builder> routes,
           Consumer<WebServerConfig.Builder> bind, Function<WebServer, Object> started) {
        this.name = name;
        this.guard = new ConnectionGuard(name, limits, perPeer);
        this.bind = bind;
        this.started = started;
        HttpRouting.Builder r = HttpRouting.builder().addFilter(guard.filter()).register(new HttpService() {
            @Override
            public void routing(HttpRules rules) {
            }

            @Override
            public void afterStop() {
                stopped();
            }
        });
        routes.accept(r);
        // Kept: a restarted listener builds its routing from the same services (no meter is made twice).
        this.routing = r;
    }

    void start() {
        WebServerConfig.Builder b = WebServer.builder()
                .maxPayloadSize(ApiServer.MAX_BODY)
                .shutdownHook(false)
                .connectionOptions(guard.socketOptions())
                .addProtocol(Http1Config.builder().addReceiveListener(guard.receiveListener()).build())
                .routing(routing);
        bind.accept(b);
        WebServer s = b.build().start();
        server = s;
        bound = started.apply(s);
    }

    int port() {
        return server.port();
    }

    /** Afterstop of the routing: on our close, or when Helidon gave the listener up. */
    private void stopped() {
        if (closing || !restarting.compareAndSet(false, true)) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "API listener " + name + " stopped by itself; starting it again");
        Thread.ofVirtual().name("api-restart-" + name).start(this::restart);
    }

    private void restart() {
        try {
            try {
                server.stop(); // its executors; the listener itself is gone
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "stopping the dead listener " + name + ": " + e);
            }
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
