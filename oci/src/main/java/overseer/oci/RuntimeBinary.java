package overseer.oci;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI runtime binary (runc or crun) and the command line that calls it.
 *
 * <p>Every call goes through {@code unshare --mount --propagation private}: the runtime then works in a private
 * copy of the host's mount table that disappears with it. runc rbinds the root onto itself in the mount
 * namespace it runs in, and without this it would do so in Overseer's own, stacking mounts on every run
 * (DESIGN.md). crun 1.8 refuses a hybrid cgroup host ("cgroups in hybrid mode not supported") because the
 * cgroup v2 mount at /sys/fs/cgroup/unified lists a controller; with {@code coverUnified} an empty tmpfs is
 * mounted over it in that private namespace first, so crun sees a plain cgroup v1 host and works.
 *
 * @param name         "runc" or "crun"
 * @param path         the binary
 * @param version      its first --version line
 * @param coverUnified whether /sys/fs/cgroup/unified is covered for it (crun on a hybrid host)
 * @param unshare      util-linux's unshare
 */
record RuntimeBinary(String name, Path path, String version, boolean coverUnified, Path unshare) {
    private static final String MOUNT_COVER = "mount -t tmpfs -o size=4k,mode=755 overseer-cover /sys/fs/cgroup/unified || exit 125; ";
    private static final String COVER = MOUNT_COVER + "exec \"$0\" \"$@\"";

    /** The command line up to and including the global options: what conmon gets as -r and --runtime-arg. */
    List<String> prefix(Path root, Path log) {
        List<String> argv = new ArrayList<>(List.of(unshare.toString(), "--mount", "--propagation", "private"));
        if (coverUnified) {
            argv.addAll(List.of("/bin/sh", "-c", COVER));
        }
        argv.add(path.toString());
        argv.add("--root");
        argv.add(root.toString());
        if (log != null) {
            argv.add("--log");
            argv.add(log.toString());
        }
        return argv;
    }

    /**
     * The command line conmon gets for a task's init process. conmon always asks for {@code create}, which leaves
     * a container waiting for a separate {@code start}: two runs of the runtime. Overseer starts conmon only when
     * the task starts, and this small shell turns conmon's {@code create} into {@code run --detach}, which
     * creates and starts in one run (the global options are passed through as they are; $0..$4 are the binary,
     * --root R, --log L).
     */
    List<String> conmonInitPrefix(Path root, Path log) {
        List<String> argv = new ArrayList<>(List.of(unshare.toString(), "--mount", "--propagation", "private", "/bin/sh", "-c",
                (coverUnified ? MOUNT_COVER : "")
                        + "r=$0 a=$1 b=$2 c=$3 d=$4; shift 4; s=$1; shift;"
                        + " if [ \"$s\" = create ]; then set -- run --detach \"$@\"; else set -- \"$s\" \"$@\"; fi;"
                        + " exec \"$r\" \"$a\" \"$b\" \"$c\" \"$d\" \"$@\""));
        argv.addAll(List.of(path.toString(), "--root", root.toString(), "--log", log.toString()));
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
