package overseer.oci;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where one process of a task keeps its files, under the runtime's state directory. The init process's
 * directory is the OCI bundle; an exec'd process gets one beside it:
 *
 * <pre>
 * tasks/NS/ID/                 the bundle (config.json) and conmon's files for the init process
 *   rootfs/                    the default root: Nomad's task dir (alloc/ local/ secrets/ tmp/) and mount points
 *   ctr.log                    the k8s-file log conmon writes
 *   ctr.pid conmon.pid         pids of the process and of its conmon
 *   exits/ID                   the exit file conmon writes when the process ended (its exit status)
 *   persist/oom                conmon's OOM marker
 *   signals                    the signals Overseer sent, so an exit status 128+n is known to be that signal
 *   execs/EXEC/                the same for each exec'd process, with process.json
 * runtime/NS/                  the runtime's own state (--root), one per namespace so ids may repeat across them
 * sockets/CUUID -> bundle      conmon's short links to the attach sockets (a socket path has 108 bytes at most)
 * </pre>
 */
record TaskPaths(Path dir, String containerId, String cuuid, Path runtimeRoot, Path socketDir) {
    static TaskPaths init(Path state, String namespace, String id) {
        return new TaskPaths(state.resolve("tasks").resolve(namespace).resolve(id), id, cuuid(namespace + "/" + id),
                state.resolve("runtime").resolve(namespace), state.resolve("sockets"));
    }

    TaskPaths exec(String execId) {
        return new TaskPaths(dir.resolve("execs").resolve(execId), containerId, cuuid(dir + "/" + execId), runtimeRoot, socketDir);
    }

    Path config() {
        return dir.resolve("config.json");
    }

    Path process() {
        return dir.resolve("process.json");
    }

    Path rootfs() {
        return dir.resolve("rootfs");
    }

    Path log() {
        return dir.resolve("ctr.log");
    }

    Path pidFile() {
        return dir.resolve("ctr.pid");
    }

    Path conmonPidFile() {
        return dir.resolve("conmon.pid");
    }

    Path exits() {
        return dir.resolve("exits");
    }

    /** conmon names the exit file after the container id, in the exit directory. */
    Path exitFile() {
        return exits().resolve(containerId);
    }

    Path persist() {
        return dir.resolve("persist");
    }

    Path oomFile() {
        return persist().resolve("oom");
    }

    Path signals() {
        return dir.resolve("signals");
    }

    Path runtimeLog() {
        return dir.resolve("runtime.log");
    }

    /** conmon's stdin socket, reached through its short link. */
    Path attach() {
        return socketDir.resolve(cuuid).resolve("attach");
    }

    /** conmon's control fifo: "1 rows cols" resizes the terminal. */
    Path ctl() {
        return dir.resolve("ctl");
    }

    private static String cuuid(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
