package overseer.server;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Status;
import overseer.core.Task;
import overseer.wire.HealthCheck;
import overseer.wire.Supervision;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The watches of one run of a service: its maximum run time and its health probes, which stop the run
 * when they say so; separate from {@link Services}, which decides what follows an exit.
 */
final class RunWatches {
    private final Services services;
    private final TaskService tasks;
    private final HealthProbe health;
    private final ScheduledExecutorService timer;

    RunWatches(Services services, TaskService tasks, HealthProbe health, ScheduledExecutorService timer) {
        this.services = services;
        this.tasks = tasks;
        this.health = health;
        this.timer = timer;
    }

    static Exit shutdown(Task t, Supervision s) throws InterruptedException {
        try {
            return t.shutdown(s.stopSignal(), s.stopGrace());
        } catch (OverseerException ended) {
            return t.exit().orElseThrow(() -> ended);
        }
    }

    /** The maximum run time is over, or the health check failed: this run ends; its policy decides what follows. */
    private void stopRun(String namespace, String id, String why) {
        KeptService k = services.find(namespace, id);
        if (k == null) {
            return;
        }
        Supervision s;
        synchronized (k) {
            s = k.spec.supervision();
        }
        try {
            Task t = tasks.tasks().get(namespace, id);
            if (t.status() == Status.RUNNING) {
                LifecycleLog.stopping(namespace, id, why);
                shutdown(t, s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (OverseerException gone) {
            // deleted or ended meanwhile
        }
    }

    /** One health probe, and what its verdict does: a failure streak, unhealthy, the run stopped. */
    private void probe(String namespace, String id, HealthCheck h) {
        KeptService k = services.find(namespace, id);
        if (k == null) {
            return;
        }
        HealthProbe.Run run;
        synchronized (k) {
            if (h.match().isPresent() && k.health.equals("healthy")) {
                return; // the line came: a match is looked for once per run
            }
            run = new HealthProbe.Run(k.startedAt, k.outFrom, k.errFrom);
        }
        HealthProbe.Verdict v = health.probe(namespace, id, h, run);
        if (v == HealthProbe.Verdict.PENDING) {
            return;
        }
        boolean restart = false;
        synchronized (k) {
            if (k.probe == null) {
                return; // the run ended meanwhile
            }
            k.healthFailures = v == HealthProbe.Verdict.HEALTHY ? 0 : k.healthFailures + 1;
            if (v == HealthProbe.Verdict.HEALTHY) {
                k.health = "healthy";
            } else if (v == HealthProbe.Verdict.GAVE_UP || k.healthFailures >= h.retries()) {
                k.health = "unhealthy";
                restart = h.restart();
            }
        }
        if (restart) {
            stopRun(namespace, id, HealthProbe.why(h));
        }
    }

    /** Under k's monitor: the run's deadline and health probes, which act only while that run lasts. */
    void armWatches(KeptService k, String namespace, String id) {
        long run = k.run;
        k.spec.supervision().maxRuntime().ifPresent(d -> k.deadline = services.later(() -> {
            if (current(k, run)) {
                stopRun(namespace, id, "its maximum run time of " + overseer.wire.Json.text(d) + " is over");
            }
        }, d));
        k.spec.supervision().healthCheck().ifPresent(h -> {
            k.health = "starting";
            k.healthFailures = 0;
            if (!timer.isShutdown()) {
                k.probe = timer.scheduleWithFixedDelay(() -> Thread.ofVirtual().start(() -> {
                    if (current(k, run)) {
                        probe(namespace, id, h);
                    }
                }), h.interval().toNanos(), h.interval().toNanos(), TimeUnit.NANOSECONDS);
            }
        });
    }

    private static boolean current(KeptService k, long run) {
        synchronized (k) {
            return k.run == run && !k.ended && !k.gone;
        }
    }
}
