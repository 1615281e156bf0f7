package overseer.server;

import overseer.wire.LogLimits;
import overseer.wire.Json;
import overseer.core.Tasks;
import overseer.core.spi.TaskRuntime;

import overseer.supervisor.JobState;
import overseer.supervisor.Supervisor;

import java.nio.file.Path;
import java.time.Instant;

/**
 * {@code overseer daemon}: the task list on a runtime, its state in SQLite under the state directory, and
 * the API on a Unix socket. Closing it stops the API and closes the store; the tasks keep running unless
 * {@code stopTasks} is set (then they are stopped and deleted, as {@link Tasks#close()} does).
 */
public final class Daemon implements AutoCloseable {
    private final Tasks tasks;
    private final SqliteStateStore store;
    private final TaskService service;
    private final Supervisor supervisor;
    private final JobLedger jobs;
    private final ApiServer api;
    private final boolean stopTasks;
    private final StateLock lock;
    private final java.util.Optional<ServiceDirectory> services;

    public Daemon(TaskRuntime runtime, Path socket, Path stateDir, boolean stopTasks) {
        this(runtime, socket, java.util.Optional.empty(), stateDir, stopTasks);
    }

    public Daemon(TaskRuntime runtime, Path socket, java.util.Optional<ApiServer.Tcp> tcp, Path stateDir, boolean stopTasks) {
        this(runtime, socket, tcp, stateDir, stopTasks, java.util.Optional.empty());
    }

    /**
     * With {@code services}, the daemon keeps the services declared in that directory's files: applied once
     * it has taken back its tasks, and again on {@link #reload()}.
     */
    public Daemon(TaskRuntime runtime, Path socket, java.util.Optional<ApiServer.Tcp> tcp, Path stateDir, boolean stopTasks,
                  java.util.Optional<Path> services) {
        this(runtime, socket, tcp, stateDir, stopTasks, services, Orphans.STOP, ApiServer.Limits.defaults());
    }

    /**
     * With {@code orphans}, what is done with the tasks found on the host at start that the store does not
     * know (see {@link Orphans}); they are listed at /v1/orphans. With the API's connection limits and
     * timeouts ({@code limits}).
     */
    public Daemon(TaskRuntime runtime, Path socket, java.util.Optional<ApiServer.Tcp> tcp, Path stateDir, boolean stopTasks,
                  java.util.Optional<Path> services, Orphans orphans, ApiServer.Limits limits) {
        this.stopTasks = stopTasks;
        // One daemon per state and per socket: a second one is refused before it touches a task.
        this.lock = StateLock.acquire(PrivateFiles.directory(stateDir));
        SqliteStateStore opened = null;
        TaskService made = null;
        try {
            ApiServer.requireFree(socket);
            this.store = opened = new SqliteStateStore(stateDir.resolve("state.db"));
            // Event numbers continue after the highest any earlier daemon on this store may have published.
            this.tasks = new Tasks(runtime, new overseer.core.EventBus(store.eventSequence()));
            this.service = made = new TaskService(tasks, store, stateDir.resolve("logs"));
            // Before the API opens: what the last daemon left is taken back, and the exits it missed published.
            LifecycleLog.recovery(service.recover());
            // Then what runs under this daemon's names and the store does not know: reported, stopped or adopted.
            service.orphans(orphans);
            this.supervisor = new Supervisor(tasks);
            // Every final result is written down with the job's exit log, so that its outcome outlives the daemon.
            supervisor.onEnded(job -> job.lastResult().filter(r -> r.state() != JobState.DUPILICATE_ID)
                    .ifPresent(r -> store.jobResult(r.id(), Json.write(JobRoutes.ended(r, job.diagnostics())), Instant.now())));
            // Jobs and slices the last daemon left: taken back before the API opens (docs/supervision.md).
            this.jobs = new JobLedger(supervisor, store);
            supervisor.ledger(jobs);
            jobs.recover().forEach(LifecycleLog::jobsNotRecovered);
            this.services = services.map(dir -> new ServiceDirectory(dir, stateDir, service));
            this.api = new ApiServer(socket, tcp, service, supervisor, this.services, limits);
        } catch (RuntimeException e) {
            if (made != null) {
                made.close();
            }
            if (opened != null) {
                opened.close();
            }
            lock.close();
            throw e;
        }
        // Once the API is up: waiting for a service's readiness must not keep the daemon unreachable.
        this.services.ifPresent(dir -> Thread.ofVirtual().name("services-apply").start(() -> apply(dir)));
    }

    /** The defaults of issue #6: /run/overseer and /var/lib/overseer as root, else per user. */
    public static Path defaultSocket() {
        if ("root".equals(System.getProperty("user.name"))) {
            return Path.of("/run/overseer/overseer.sock");
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        return (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("java.io.tmpdir")))
                .resolve("overseer").resolve("overseer.sock");
    }

    public static Path defaultStateDir() {
        return "root".equals(System.getProperty("user.name")) ? Path.of("/var/lib/overseer")
                : Path.of(System.getProperty("user.home"), ".local", "share", "overseer");
    }

    /** `overseer reload` and SIGHUP: the service files read again and their difference applied. */
    public String reload() {
        return services.map(Daemon::apply).orElse("no service directory (start the daemon with --services DIR)");
    }

    private static String apply(ServiceDirectory dir) {
        try {
            ServiceDirectory.Report r = dir.reload();
            LifecycleLog.servicesReloaded(dir.dir(), r);
            return overseer.wire.Json.write(ServiceRoutes.json(r));
        } catch (overseer.core.OverseerException e) {
            LifecycleLog.servicesNotApplied(dir.dir(), e.getMessage());
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    public Path socket() {
        return api.socket();
    }

    public ApiServer api() {
        return api;
    }

    /** The supervisor of the daemon's jobs; a fleet node runs the fleet's commands on it. */
    public Supervisor supervisor() {
        return supervisor;
    }

    public Tasks tasks() {
        return tasks;
    }

    /**
     * How much of each task's stdout and stderr the daemon keeps (default {@link LogLimits#DEFAULT}): the
     * files past it are rotated, and the oldest deleted. Applies to every task's files from the next sweep on.
     */
    public void logLimits(LogLimits limits) {
        service.rotation().limits(java.util.Objects.requireNonNull(limits, "limits"));
    }

    @Override
    public void close() {
        api.close();
        if (stopTasks) {
            supervisor.close();
        } else {
            supervisor.detach(); // its jobs run on, unended, for the next daemon to take back
        }
        service.close();
        if (stopTasks) {
            jobs.forgetAll();
            tasks.close();
            // Stopped and deleted: the next daemon has nothing of them to take back.
            store.tasks().forEach(r -> store.deleteTask(r.namespace(), r.id()));
        }
        store.close();
        lock.close();
    }
}
