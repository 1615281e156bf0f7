package overseer.oci;

import overseer.linux.BundledProgram;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What runs the OCI runtime in a private mount namespace of its own, the command line before the runtime's:
 * the runtime then works in a private copy of the host's mount table that disappears with it. runc rbinds the
 * root onto itself in the mount namespace it runs in, and without this it would do so in Overseer's own,
 * stacking mounts on every run (DESIGN.md). crun 1.8 refuses a hybrid cgroup host ("cgroups in hybrid mode not
 * supported") because the cgroup v2 mount at /sys/fs/cgroup/unified lists a controller; with {@code cover} an
 * empty tmpfs is mounted over it in that namespace first, so crun sees a plain cgroup v1 host and works.
 *
 * <p>conmon always asks the runtime to {@code create} a task's init process, which leaves a container waiting
 * for a second run of the runtime to start it; with {@code createRuns} that {@code create} becomes {@code run
 * --detach}, which creates and starts in one run.
 *
 * <p>Public for the benches, whose bare runtimes run the way Overseer runs its own.
 */
public sealed interface Launcher {
    /** The command line up to the runtime's path. */
    List<String> argv(boolean cover, boolean createRuns);

    /** What it is, for OciInfo's notes. */
    String describe();

    /** overseer-unshare (linux/src/main/c/unshare.c): one static program, no loader, no shell. */
    record Native(String path) implements Launcher {
        @Override
        public List<String> argv(boolean cover, boolean createRuns) {
            List<String> argv = new ArrayList<>(List.of(path));
            if (cover) {
                argv.add("--cover=" + UNIFIED);
            }
            if (createRuns) {
                argv.add("--create-runs");
            }
            return argv;
        }

        @Override
        public String describe() {
            return "runtimes run under overseer-unshare";
        }
    }

    /**
     * util-linux's {@code unshare}, with {@code /bin/sh} to mount the cover and to rewrite create: three programs
     * started with a loader each, some 5 ms before the runtime's exec here (docs/benchmarks.md §19).
     */
    record Shell(Path unshare) implements Launcher {
        private static final String MOUNT_COVER = "mount -t tmpfs -o size=4k,mode=755 overseer-cover " + UNIFIED + " || exit 125; ";

        @Override
        public List<String> argv(boolean cover, boolean createRuns) {
            List<String> argv = new ArrayList<>(List.of(unshare.toString(), "--mount", "--propagation", "private"));
            if (createRuns) {
                // $0..$4 are the runtime's path, --root R, --log L: the global options conmon's argv starts with.
                argv.addAll(List.of("/bin/sh", "-c", (cover ? MOUNT_COVER : "")
                        + "r=$0 a=$1 b=$2 c=$3 d=$4; shift 4; s=$1; shift;"
                        + " if [ \"$s\" = create ]; then set -- run --detach \"$@\"; else set -- \"$s\" \"$@\"; fi;"
                        + " exec \"$r\" \"$a\" \"$b\" \"$c\" \"$d\" \"$@\""));
            } else if (cover) {
                argv.addAll(List.of("/bin/sh", "-c", MOUNT_COVER + "exec \"$0\" \"$@\""));
            }
            return argv;
        }

        @Override
        public String describe() {
            return "runtimes run under " + unshare + " and /bin/sh (no overseer-unshare in this build)";
        }
    }

    String UNIFIED = "/sys/fs/cgroup/unified";

    /** overseer-unshare if this build has it and it runs a program here, else {@code unshare}. */
    static Launcher best(Path unshare) {
        Optional<Native> bundled = BundledProgram.UNSHARE.path().map(Native::new).filter(Launcher::runs);
        return bundled.isPresent() ? bundled.get() : new Shell(unshare);
    }

    /** Whether it runs /bin/true: a kernel with vm.memfd_noexec=2 refuses the exec, which the spawn reports. */
    static boolean runs(Native n) {
        try {
            return Program.run(List.of(n.path(), "/bin/true")).ok();
        } catch (RuntimeException refused) {
            System.getLogger(Launcher.class.getName()).log(System.Logger.Level.WARNING,
                    "overseer-unshare does not run here (" + refused.getMessage() + "); runtimes run under unshare");
            return false;
        }
    }
}
