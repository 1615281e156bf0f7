package overseer.server;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Looks at the API's listeners twice a second and at once when Helidon logs that one gave up, and has
 * {@link Served#check()} start a dead one again. The log is the only word Helidon gives (through
 * System.Logger, which is java.util.logging here); the Unix socket is also checked without it.
 */
final class ListenerWatchdog implements AutoCloseable {
    private static final String HELIDON_LISTENER = "io.helidon.webserver.ServerListener";
    /** Held: java.util.logging keeps loggers weakly, and a collected logger would lose the handler. */
    private static final Logger HELIDON = Logger.getLogger(HELIDON_LISTENER);
    private static final AtomicLong REPORTS = new AtomicLong();
    private static final List<ListenerWatchdog> RUNNING = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        HELIDON.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                String m = r.getMessage();
                if (r.getLevel().intValue() >= Level.SEVERE.intValue() && m != null && m.contains("terminating now")) {
                    REPORTS.incrementAndGet();
                    RUNNING.forEach(ListenerWatchdog::lookNow);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    private final List<Served> listeners;
    private final ScheduledExecutorService looker;

    ListenerWatchdog(List<Served> listeners) {
        this.listeners = List.copyOf(listeners);
        this.looker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("api-watchdog").unstarted(r));
        looker.scheduleWithFixedDelay(this::look, 500, 500, TimeUnit.MILLISECONDS);
        RUNNING.add(this);
    }

    /** How many times Helidon reported a listener giving up, in this JVM. */
    static long reports() {
        return REPORTS.get();
    }

    private void lookNow() {
        try {
            looker.execute(this::look);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed meanwhile
        }
    }

    private void look() {
        for (Served s : listeners) {
            try {
                s.check();
            } catch (RuntimeException e) {
                System.getLogger(ListenerWatchdog.class.getName()).log(System.Logger.Level.WARNING,
                        "API listener " + s.name() + ": " + e, e);
            }
        }
    }

    @Override
    public void close() {
        RUNNING.remove(this);
        looker.shutdownNow();
    }
}
