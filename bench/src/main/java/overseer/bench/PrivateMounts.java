package overseer.bench;

import overseer.linux.BundledProgram;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs a peer in a private mount namespace, as Overseer runs its runtime: overseer-unshare
 * from this build (the same program, from the bench's own memfd), or util-linux's unshare and the shell where the
 * build has none. With {@code cover}, the cgroup v2 mount is covered by an empty tmpfs first (crun 1.8 refuses a
 * hybrid host, DESIGN.md).
 */
final class PrivateMounts {
    private static final String UNIFIED = "/sys/fs/cgroup/unified";

    private PrivateMounts() {
    }

    static List<String> argv(boolean cover) {
        List<String> argv = new ArrayList<>();
        BundledProgram.UNSHARE.path().ifPresentOrElse(p -> {
            argv.add(p);
            if (cover) {
                argv.add("--cover=" + UNIFIED);
            }
        }, () -> {
            argv.addAll(List.of("unshare", "--mount", "--propagation", "private"));
            if (cover) {
                argv.addAll(List.of("/bin/sh", "-c", "mount -t tmpfs -o size=4k,mode=755 overseer-cover " + UNIFIED
                        + " && exec \"$@\"", "sh"));
            }
        });
        return argv;
    }

    /** What {@link #argv} runs, for the bench's table. */
    static String describe() {
        return BundledProgram.UNSHARE.path().isPresent() ? "overseer-unshare" : "unshare --mount (and sh for the cover)";
    }
}
