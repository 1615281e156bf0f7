package overseer.server;

import org.slf4j.Logger;
import org.slf4j.spi.LoggingEventBuilder;
import overseer.core.Exit;

import java.time.Duration;
import java.util.List;

/**
 * The lifecycle log's lines, each made in one place so that they stay stable and greppable
 * (docs/observability.md lists them): {@code msg} is the event, the fields follow in a fixed order.
 */
public final class LifecycleLog {
    private static final Logger LOG = DaemonLog.lifecycle();

    private LifecycleLog() {
    }

    /** The daemon serves: where, on what, with how many descriptors. */
    public static void daemonStarted(java.nio.file.Path socket, java.nio.file.Path stateDir, String runtime, String descriptors) {
        LOG.atInfo().addKeyValue("socket", socket).addKeyValue("state_dir", stateDir).addKeyValue("runtime", runtime)
                .addKeyValue("descriptors", descriptors).addKeyValue("pid", ProcessHandle.current().pid()).log("daemon started");
    }

    public static void daemonStopping(boolean stopTasks) {
        LOG.atInfo().addKeyValue("stop_tasks", stopTasks).log("daemon stopping");
    }

    public static void daemonStopped() {
        LOG.atInfo().log("daemon stopped");
    }

    /** A warning of the daemon's own (a failed notify, no OCI runtime): {@code what} says what it is about. */
    public static void daemonWarning(String what, String error) {
        LOG.atWarn().addKeyValue("about", what).addKeyValue("error", error).log("daemon warning");
    }

    /** The monitor's daemon ended by itself (a crash, a kill -9): it is started again after {@code backoff}. */
    public static void daemonEnded(long pid, String exit, java.time.Duration backoff) {
        LOG.atWarn().addKeyValue("pid", pid).addKeyValue("exit", exit).addKeyValue("restart_in", overseer.wire.Json.text(backoff))
                .log("daemon ended");
    }

    /** The daemon stopped and left tasks running: the monitor stays to record their exits. */
    public static void monitorDraining(long tasks) {
        LOG.atInfo().addKeyValue("processes", tasks).log("monitor recording exits");
    }

    /** What a start found of the last daemon's tasks. */
    static void recovery(TaskRecovery.Recovery r) {
        LOG.atInfo().addKeyValue("tasks", r.tasks()).addKeyValue("readopted", r.readopted())
                .addKeyValue("exited_while_down", r.exitedWhileDown()).addKeyValue("already_exited", r.alreadyExited())
                .addKeyValue("created", r.created()).addKeyValue("lost", r.lost().size()).log("recovery");
        r.lost().forEach(lost -> LOG.atWarn().addKeyValue("error", lost).log("task not recovered"));
    }

    static void jobsNotRecovered(String lost) {
        LOG.atWarn().addKeyValue("error", lost).log("job not recovered");
    }

    static void created(String namespace, String id) {
        task(LOG.atInfo(), namespace, id).log("task created");
    }

    static void started(String namespace, String id, long pid) {
        task(LOG.atInfo(), namespace, id).addKeyValue("pid", pid).log("task started");
    }

    /** The init process ended (info whatever the code: an exit is the lifecycle, not a fault): its code (128+N for signal N), the signal's name if one ended it, an OOM kill. */
    static void exited(String namespace, String id, Exit exit) {
        task(LOG.atInfo(), namespace, id).addKeyValue("code", exit.exitCode())
                .addKeyValue("signal", exit.signal().map(overseer.core.Signal::name).orElse(null)).addKeyValue("oom", exit.oomKilled())
                .log("task exited");
    }

    /** The kernel killed one of the task's processes for memory (the init process or not). */
    static void oomKill(String namespace, String id) {
        task(LOG.atWarn(), namespace, id).log("task oom kill");
    }

    /** Its restart policy starts it again: the how-manieth restart, after how long a wait. */
    static void restarted(String namespace, String id, int attempt, Duration delay) {
        task(LOG.atInfo(), namespace, id).addKeyValue("attempt", attempt).addKeyValue("delay", overseer.wire.Json.text(delay))
                .log("task restarted");
    }

    /** Supervision gave up on it (start limit, a restart that cannot run): no policy starts it again. */
    static void failed(String namespace, String id, String reason) {
        task(LOG.atError(), namespace, id).addKeyValue("reason", reason).log("task failed");
    }

    /** Supervision ends this run (its maximum run time, its health check). */
    static void stopping(String namespace, String id, String reason) {
        task(LOG.atWarn(), namespace, id).addKeyValue("reason", reason).log("task stopping");
    }

    static void deleted(String namespace, String id) {
        task(LOG.atInfo(), namespace, id).log("task deleted");
    }

    static void servicesReloaded(java.nio.file.Path dir, ServiceDirectory.Report r) {
        (r.failed().isEmpty() ? LOG.atInfo() : LOG.atWarn()).addKeyValue("dir", dir)
                .addKeyValue("started", names(r.started())).addKeyValue("restarted", names(r.restarted()))
                .addKeyValue("stopped", names(r.stopped())).addKeyValue("unchanged", r.unchanged().size())
                .addKeyValue("failed", names(List.copyOf(r.failed().keySet()))).log("services reloaded");
        r.failed().forEach((name, why) -> LOG.atWarn().addKeyValue("dir", dir).addKeyValue("service", name)
                .addKeyValue("error", why).log("service not applied"));
    }

    static void servicesNotApplied(java.nio.file.Path dir, String error) {
        LOG.atWarn().addKeyValue("dir", dir).addKeyValue("error", error).log("services not applied");
    }

    /** An error answer of the API: the route's template (not the raw path), the status and the error's kind. */
    static void apiError(String method, String route, int status, String kind, String message) {
        (status >= 500 ? LOG.atError() : LOG.atWarn()).addKeyValue("method", method).addKeyValue("route", route)
                .addKeyValue("status", status).addKeyValue("kind", kind).addKeyValue("error", message).log("api error");
    }

    private static LoggingEventBuilder task(LoggingEventBuilder b, String namespace, String id) {
        return b.addKeyValue("namespace", namespace).addKeyValue("id", id);
    }

    /** Names as one field: comma-separated, empty when none. */
    private static String names(List<String> names) {
        return String.join(",", names);
    }
}
