package overseer.oci;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI runtime binary (runc or crun) and the command line that calls it: every call goes through the
 * {@link Launcher}, in a private mount namespace.
 *
 * @param name         "runc" or "crun"
 * @param path         the binary
 * @param version      its first --version line
 * @param coverUnified whether /sys/fs/cgroup/unified is covered for it (crun on a hybrid host)
 * @param launcher     what makes the namespace and execs the runtime
 */
record RuntimeBinary(String name, Path path, String version, boolean coverUnified, Launcher launcher) {
    /** The command line up to and including the global options: what conmon gets as -r and --runtime-arg. */
    List<String> prefix(Path root, Path log) {
        return prefix(root, log, false);
    }

    /**
     * The same for a task's init process, whose conmon asks for {@code create}: the launcher turns it into
     * {@code run --detach}, since Overseer starts conmon only when the task starts.
     */
    List<String> conmonInitPrefix(Path root, Path log) {
        return prefix(root, log, true);
    }

    private List<String> prefix(Path root, Path log, boolean createRuns) {
        List<String> argv = new ArrayList<>(launcher.argv(coverUnified, createRuns));
        argv.addAll(List.of(path.toString(), "--root", root.toString()));
        if (log != null) {
            argv.add("--log");
            argv.add(log.toString());
        }
        return argv;
    }

    /** A full command line: the prefix, then {@code args}. */
    List<String> argv(Path root, String... args) {
        List<String> argv = prefix(root, null);
        argv.addAll(List.of(args));
        return argv;
    }

    /** What the runtime itself says when asked to remove what it does not know: it is gone already. */
    static boolean isMissing(Program.Result r) {
        String e = r.error().toLowerCase(java.util.Locale.ROOT);
        return e.contains("does not exist") || e.contains("not found") || e.contains("no such file");
    }
}
