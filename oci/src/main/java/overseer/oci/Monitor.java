package overseer.oci;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.linux.Child;
import overseer.linux.Descriptors;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What runs the OCI runtime for one process of a task and then watches that process for Overseer: conmon, or
 * Overseer's own overseer-monitor for a process without a terminal or stdin. Either forks away from Overseer
 * and starts a session of its own, so the process outlives Overseer, and reports through files that a later
 * Overseer finds ({@link TaskPaths}): the process's pid, its output as a k8s-file log, its exit status in the
 * exit directory, an "oom" marker in the persist directory.
 *
 * <p>Both report the start through the pipe named by _OCI_SYNCPIPE: one JSON line once the runtime has done its
 * part, {"data": PID} or {"data": -1, "message": "the runtime's error"}.
 */
sealed interface Monitor permits Conmon, OverseerMonitor {
    /** What to run under the monitor. */
    enum Mode {
        /** The task's init process: {@code run --detach} (see {@link RuntimeBinary#conmonInitPrefix}). */
        INIT,
        /** An exec'd process: {@code exec --process process.json --detach}. */
        EXEC,
        /** The init process brought back from a checkpoint: {@code restore --detach --image-path ...}. */
        RESTORE
    }

    /**
     * What one process needs of its monitor.
     *
     * @param logs        whether any output is wanted (else the monitor writes no log)
     * @param restore     the checkpoint image for RESTORE
     * @param cgroupsPath the task's cgroup, whose OOM kills are the process's
     */
    record Process(Mode mode, boolean stdin, boolean terminal, boolean logs, Optional<Path> restore, String cgroupsPath) {
    }

    /**
     * The most a monitor's log ({@code ctr.log}) may hold: past it the monitor starts a new one and the old is
     * gone. Overseer copies the log as it grows, so this is only what may pile up while no Overseer reads it (a
     * daemon restarting): output beyond it, written meanwhile, is lost. Without it the log kept all the output,
     * a second copy beside Overseer's.
     */
    long LOG_SIZE_MAX = 16L << 20;

    /** What it calls itself in messages. */
    String name();

    /** Whether it can watch {@code p} (conmon can watch any). */
    boolean handles(Process p);

    /** Its command line for {@code p}; it writes {@code p}'s files in {@code paths}. */
    List<String> argv(RuntimeBinary runtime, TaskPaths paths, Process p);

    /**
     * Starts the monitor and returns the pid of the process once the runtime has started it. INTERNAL with the
     * runtime's own words when it could not.
     */
    static long start(Monitor monitor, RuntimeBinary runtime, TaskPaths paths, Process p) {
        List<String> argv = monitor.argv(runtime, paths, p);
        List<String> env = List.of(Program.ENV.getFirst(), "_OCI_SYNCPIPE=3");
        int[] sync = null;
        int[] err = null;
        try {
            sync = Descriptors.pipe();
            err = Descriptors.pipe();
            Exit first;
            // conmon's cwd is where it drops a second "oom" marker: keep it in the persist directory too.
            try (Child child = Child.spawn(argv, env, Optional.of(paths.persist()),
                    Child.DEV_NULL, Child.DEV_NULL, err[1], sync[1])) {
                Descriptors.close(sync[1]);
                sync[1] = -1;
                Descriptors.close(err[1]);
                err[1] = -1;
                // The first process forks the monitor and exits at once; it is Overseer's only child here.
                first = child.awaitExit();
            }
            String line = Descriptors.readLine(sync[0]);
            if (line.isEmpty()) {
                String said = new String(Descriptors.readAll(err[0]), StandardCharsets.UTF_8).strip();
                throw OverseerException.internal(monitor.name() + " exited (status " + first.exitCode() + ") without starting "
                        + paths.containerId() + (said.isEmpty() ? "" : ": " + said), null);
            }
            JsonNode msg = Bundle.JSON.readTree(line);
            long started = msg.path("data").asLong(-1);
            if (started <= 0) {
                String why = msg.path("message").asString("").strip();
                if (why.isEmpty()) {
                    why = Files2.read(paths.runtimeLog()).orElse("no reason given");
                }
                throw OverseerException.internal(runtime.name() + " could not " + verb(p.mode()) + " " + paths.containerId() + ": " + why, null);
            }
            return started;
        } finally {
            Descriptors.closeAll(sync, err);
        }
    }

    private static String verb(Mode mode) {
        return switch (mode) {
            case INIT -> "start";
            case EXEC -> "exec in";
            case RESTORE -> "restore";
        };
    }
}
