package overseer.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's podman with storage, run dir and temp dir of its own under the bench's scratch directory, so that the
 * bench neither sees nor disturbs anyone else's containers. Its settings are the ones this host needs, no more:
 * cgroupfs (no systemd here), no event log, and the rlimits given explicitly, because podman's defaults for root
 * (RLIMIT_NOFILE and RLIMIT_NPROC of 1048576) are above this machine's hard limits and every run would fail with
 * "setrlimit: Operation not permitted". {@code --network none} gives the task a network namespace with only
 * loopback, which is what Overseer's default isolation gives.
 */
final class Podman {
    static final String IMAGE = "localhost/overseer-bench-peers:latest";

    private final Path scratch;
    private final List<String> global;

    private Podman(Path scratch) {
        this.scratch = scratch;
        this.global = List.of(PeerTools.path("podman"), "--root", scratch.resolve("root").toString(), "--runroot",
                scratch.resolve("run").toString(), "--tmpdir", scratch.resolve("tmp").toString(), "--cgroup-manager",
                "cgroupfs", "--events-backend", "none", "--storage-driver", "overlay");
    }

    /** Podman with an empty store under {@code scratch}, the rootfs tarball imported as {@link #IMAGE}. */
    static Podman withImage(Path scratch, PeerRootfs rootfs) {
        Podman p = new Podman(scratch);
        p.cmd("import", rootfs.tarball().toString(), IMAGE).orThrow();
        return p;
    }

    /** The image as an OCI archive, which is what {@code ctr image import} reads. */
    Path saveOciArchive(Path to) {
        cmd("save", "--format", "oci-archive", "-o", to.toString(), IMAGE).orThrow();
        return to;
    }

    /**
     * The command line of {@code podman run --rm} of {@code args} on {@code runtime}. crun 1.8 refuses this
     * hybrid cgroup host; it is run, as Overseer runs it, in a private mount namespace where the v2 mount is covered.
     */
    List<String> runArgv(String runtime, boolean coverUnified, String name, boolean detach, String... args) {
        List<String> argv = new ArrayList<>(coverUnified ? PeerTools.launcher().argv(true, false) : List.of());
        argv.addAll(global);
        argv.addAll(List.of("run", detach ? "--detach" : "--rm", "--name", name, "--runtime", runtime, "--network", "none",
                "--cgroup-parent", Scratch.CGROUP_PARENT + "/podman", "--ulimit", "nofile=1024:1024", "--ulimit",
                "nproc=1024:1024", IMAGE));
        argv.addAll(List.of(args));
        return argv;
    }

    Cmd cmd(String... args) {
        List<String> argv = new ArrayList<>(global);
        argv.addAll(List.of(args));
        return Cmd.run(scratch, argv);
    }

    /** Removes every container it still has (with their conmons), then the image. */
    void close() {
        cmd("rm", "--all", "--force", "--time", "0");
        cmd("rmi", "--all", "--force");
    }
}
