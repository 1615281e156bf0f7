package overseer.server;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.TaskProcess;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.Task;
import overseer.wire.HealthCheck;
import overseer.wire.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** One probe of a task's health check: its command exec'd in the task, or its output looked through. */
final class HealthProbe {
    enum Verdict {
        HEALTHY,
        /** This probe failed: a streak of {@code retries} makes the task unhealthy. */
        FAILED,
        /** An output match that has not come within its timeout: unhealthy at once. */
        GAVE_UP,
        /** An output match still within its timeout. */
        PENDING
    }

    /** The run probed: when it started, and where its output begins in the task's log files. */
    record Run(Instant startedAt, long outFrom, long errFrom) {
    }

    private final TaskService tasks;
    private final AtomicLong execs = new AtomicLong();

    HealthProbe(TaskService tasks) {
        this.tasks = tasks;
    }

    Verdict probe(String namespace, String id, HealthCheck h, Run run) {
        if (h.match().isEmpty()) {
            return exec(namespace, id, h) ? Verdict.HEALTHY : Verdict.FAILED;
        }
        boolean seen = OutputMatch.appeared(log(namespace, id, ".out"), run.outFrom(), h.match().get())
                || OutputMatch.appeared(log(namespace, id, ".err"), run.errFrom(), h.match().get());
        if (seen) {
            return Verdict.HEALTHY;
        }
        return Instant.now().isAfter(run.startedAt().plus(h.timeout())) ? Verdict.GAVE_UP : Verdict.PENDING;
    }

    /** Why an unhealthy run is stopped, for the daemon's log. */
    static String why(HealthCheck h) {
        return h.match().map(m -> "unhealthy: no output line matched \"" + m.pattern() + "\" within " + Json.text(h.timeout()))
                .orElse("unhealthy: " + h.retries() + " health checks failed in a row");
    }

    /** The check's command exec'd in the task: healthy when it exits 0 within the timeout. */
    private boolean exec(String namespace, String id, HealthCheck h) {
        try {
            Task t = tasks.tasks().get(namespace, id);
            if (t.status() != Status.RUNNING) {
                return true; // not this run's business any more
            }
            TaskProcess p = t.exec("health-" + execs.incrementAndGet(), ProcessSpec.builder(h.command()).build());
            p.start();
            Optional<Exit> e = p.await(h.timeout());
            if (e.isEmpty()) {
                p.kill(Signal.SIGKILL, true);
                p.await();
            }
            p.delete();
            return e.isPresent() && e.get().exitCode() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (OverseerException e) {
            return false;
        }
    }

    /** The size of one of the task's log files now: where a new run's output begins. */
    long logSize(String namespace, String id, String suffix) {
        Path f = log(namespace, id, suffix);
        try {
            return Files.exists(f) ? Files.size(f) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private Path log(String namespace, String id, String suffix) {
        return tasks.logDir(namespace).resolve(id + suffix);
    }
}
