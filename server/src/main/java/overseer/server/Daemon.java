package overseer.server;

import overseer.wire.Json;
import overseer.core.Tasks;
import overseer.core.spi.Runtime;

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
    private final ApiServer api;
    private final boolean stopTasks;
    private final StateLock lock;

    public Daemon(Runtime runtime, Path socket, Path stateDir, boolean stopTasks) {
        this(runtime, socket, java.util.Optional.empty(), stateDir, stopTasks);
    }

    public Daemon(Runtime runtime, Path socket, java.util.Optional<ApiServer.Tcp> tcp, Path stateDir, boolean stopTasks) {
        this.stopTasks = stopTasks;
        // One daemon per state: a second one is refused before it touches the store, the socket or a task.
        this.lock = StateLock.acquire(PrivateFiles.directory(stateDir));
        try {
            this.store = new SqliteStateStore(stateDir.resolve("state.db"));
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        // Event numbers continue after the highest any earlier daemon on this store may have published.
        this.tasks = new Tasks(runtime, new overseer.core.EventBus(store.eventSequence()));
        this.service = new TaskService(tasks, store, stateDir.resolve("logs"));
        // Before the API opens: what the last daemon left is taken back, and the exits it missed published.
        for (String lost : service.recover()) {
            System.getLogger(Daemon.class.getName()).log(System.Logger.Level.WARNING, "not recovered: " + lost);
        }
        this.supervisor = new Supervisor(tasks);
        // Every final result is written down with the job's exit log, so that its outcome outlives the daemon.
        supervisor.onEnded(job -> job.lastResult().filter(r -> r.state() != JobState.DUPLICATE_ID)
                .ifPresent(r -> store.jobResult(r.id(), Json.write(JobRoutes.ended(r, job.diagnostics())), Instant.now())));
        this.api = new ApiServer(socket, tcp, service, supervisor);
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

    public Path socket() {
        return api.socket();
    }

    public ApiServer api() {
        return api;
    }

    public Tasks tasks() {
        return tasks;
    }

    @Override
    public void close() {
        api.close();
        if (stopTasks) {
            supervisor.close();
        }
        service.close();
        if (stopTasks) {
            tasks.close();
        }
        store.close();
        lock.close();
    }
}
