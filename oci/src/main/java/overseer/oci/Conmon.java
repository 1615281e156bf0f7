package overseer.oci;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * conmon, CRI-O's per-container monitor. It runs the runtime, holds the process's stdio (a pipe for stdin behind
 * its attach socket, pipes or a terminal for output, which it writes to a k8s-file log), reaps the process as a
 * subreaper, and writes the exit status into its exit directory and an "oom" marker into its persist
 * directory. Overseer uses it for what overseer-monitor does not do: a terminal, stdin, a restore.
 */
record Conmon(Path path) implements Monitor {
    @Override
    public String name() {
        return "conmon";
    }

    @Override
    public boolean handles(Process p) {
        return true;
    }

    @Override
    public List<String> argv(RuntimeBinary runtime, TaskPaths paths, Process p) {
        List<String> prefix = p.mode() == Mode.INIT ? runtime.conmonInitPrefix(paths.runtimeRoot(), paths.runtimeLog())
                : runtime.prefix(paths.runtimeRoot(), paths.runtimeLog());
        List<String> argv = new ArrayList<>(List.of(path.toString(), "--api-version", "1",
                "-c", paths.containerId(), "-u", paths.cuuid(), "-n", paths.containerId(),
                "-r", prefix.getFirst()));
        for (String a : prefix.subList(1, prefix.size())) {
            argv.add("--runtime-arg");
            argv.add(a);
        }
        argv.addAll(List.of("-b", paths.dir().toString(), "-p", paths.pidFile().toString(),
                "-P", paths.conmonPidFile().toString(),
                "-l", p.logs() ? "k8s-file:" + paths.log() : "none", "--log-size-max", Long.toString(LOG_SIZE_MAX),
                "--exit-dir", paths.exits().toString(), "-0", paths.persist().toString(),
                "--socket-dir-path", paths.socketDir().toString(), "--log-level", "error"));
        if (p.stdin()) {
            argv.add("-i");
        }
        if (p.terminal()) {
            argv.add("-t");
        }
        if (p.mode() == Mode.EXEC) {
            argv.addAll(List.of("-e", "--exec-process-spec", paths.process().toString()));
        }
        if (p.mode() == Mode.RESTORE) {
            argv.addAll(List.of("--restore", p.restore().orElseThrow().toString()));
        }
        return argv;
    }
}
