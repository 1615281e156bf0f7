package overseer.oci;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.linux.Child;
import overseer.linux.Descriptors;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts conmon, CRI-O's per-container monitor, for one process of a task. conmon runs the runtime, holds the
 * process's stdio (a pipe for stdin behind its attach socket, pipes for output that it writes to a k8s-file log),
 * reaps the process as a subreaper, and writes the exit status into its exit directory and an "oom" marker into
 * its persist directory. It forks away from Overseer and starts a session of its own, so the process outlives
 * Overseer, and a later Overseer finds everything in the files.
 *
 * <p>conmon reports through the pipe named by _OCI_SYNCPIPE: one JSON line once the runtime has done its part,
 * {"data": PID} or {"data": -1, "message": "the runtime's error"}.
 */
final class Conmon {
    private Conmon() {
    }

    /** What to run under conmon. */
    enum Mode {
        /** The task's init process: {@code run --detach} (see {@link RuntimeBinary#conmonInitPrefix}). */
        INIT,
        /** An exec'd process: {@code exec --process process.json --detach}. */
        EXEC,
        /** The init process brought back from a checkpoint: {@code restore --detach --image-path ...}. */
        RESTORE
    }

    /**
     * The most conmon's own log ({@code ctr.log}) may hold: past it conmon starts a new one and the old is gone.
     * Overseer copies the log as it grows, so this is only what may pile up while no Overseer reads it (a
     * daemon restarting): output beyond it, written meanwhile, is lost. Without it the log kept all the output,
     * a second copy beside Overseer's.
     */
    static final long LOG_SIZE_MAX = 16L << 20;

    /**
     * Starts conmon and returns the pid of the process once the runtime has started it. INTERNAL with the
     * runtime's own words when it could not.
     *
     * @param logs     whether any output is wanted (else conmon writes no log)
     * @param restore  the checkpoint image for RESTORE
     */
    static long start(Path conmon, RuntimeBinary runtime, TaskPaths paths, Mode mode, boolean stdin, boolean terminal,
                      boolean logs, Optional<Path> restore) {
        List<String> prefix = mode == Mode.INIT ? runtime.conmonInitPrefix(paths.runtimeRoot(), paths.runtimeLog())
                : runtime.prefix(paths.runtimeRoot(), paths.runtimeLog());
        List<String> argv = new ArrayList<>(List.of(conmon.toString(), "--api-version", "1",
                "-c", paths.containerId(), "-u", paths.cuuid(), "-n", paths.containerId(),
                "-r", prefix.getFirst()));
        for (String a : prefix.subList(1, prefix.size())) {
            argv.add("--runtime-arg");
            argv.add(a);
        }
        argv.addAll(List.of("-b", paths.dir().toString(), "-p", paths.pidFile().toString(),
                "-P", paths.conmonPidFile().toString(),
                "-l", logs ? "k8s-file:" + paths.log() : "none", "--log-size-max", Long.toString(LOG_SIZE_MAX),
                "--exit-dir", paths.exits().toString(), "-0", paths.persist().toString(),
                "--socket-dir-path", paths.socketDir().toString(), "--log-level", "error"));
        if (stdin) {
            argv.add("-i");
        }
        if (terminal) {
            argv.add("-t");
        }
        if (mode == Mode.EXEC) {
            argv.addAll(List.of("-e", "--exec-process-spec", paths.process().toString()));
        }
        if (mode == Mode.RESTORE) {
            argv.addAll(List.of("--restore", restore.orElseThrow().toString()));
        }
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
                // The first conmon forks its monitor and exits at once; it is Overseer's only child here.
                first = child.awaitExit();
            }
            String line = Descriptors.readLine(sync[0]);
            if (line.isEmpty()) {
                String said = new String(Descriptors.readAll(err[0]), StandardCharsets.UTF_8).strip();
                throw OverseerException.internal("conmon exited (status " + first.exitCode() + ") without starting "
                        + paths.containerId() + (said.isEmpty() ? "" : ": " + said), null);
            }
            JsonNode msg = Bundle.JSON.readTree(line);
            long started = msg.path("data").asLong(-1);
            if (started <= 0) {
                String why = msg.path("message").asString("").strip();
                if (why.isEmpty()) {
                    why = Files2.read(paths.runtimeLog()).orElse("no reason given");
                }
                throw OverseerException.internal(runtime.name() + " could not " + verb(mode) + " " + paths.containerId() + ": " + why, null);
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
