package overseer.cli;

import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.spi.TaskRuntime;
import overseer.oci.OciRuntime;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** `overseer run --isolate`: the command as an OCI container on runc/crun under its monitor. */
final class IsolationFlags {
    @Option(names = "--isolate", description = "Run the command isolated (namespaces, read-only host root, seccomp) on runc/crun.")
    boolean isolate;

    @Option(names = "--rootfs", paramLabel = "DIR", description = "With --isolate: the root file system (default: read-only binds of the host's).")
    Path rootfs;

    @Option(names = "--mount", paramLabel = "SRC:DST[:ro]", description = "With --isolate: bind a host path (repeatable).")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--hostname", paramLabel = "NAME", description = "With --isolate: the task's hostname.")
    String hostname;

    @Option(names = "--network", paramLabel = "none|host", description = "With --isolate: no network but lo (default), or the host's.")
    String network;

    @Option(names = "--oci-runtime", defaultValue = "auto", paramLabel = "auto|runc|crun",
            description = "With --isolate: the OCI runtime (default: ${DEFAULT-VALUE}).")
    String ociRuntime;

    Isolation isolation() {
        Isolation.Builder b = Isolation.builder();
        if (rootfs != null) {
            b.rootfs(rootfs.toAbsolutePath());
        }
        for (String m : mounts) {
            try {
                b.mount(Isolation.Mount.parse(m));
            } catch (OverseerException e) {
                throw e.withField("--mount"); // whichever part of the mount is wrong, the user typed --mount
            }
        }
        if (hostname != null) {
            b.hostname(hostname);
        }
        if (network != null) {
            b.network(switch (network.toLowerCase(Locale.ROOT)) {
                case "none" -> Isolation.Network.NONE;
                case "host" -> Isolation.Network.HOST;
                default -> throw OverseerException.invalidField("--network", "expected none or host, got \"%s\"", network);
            });
        }
        return b.build();
    }

    TaskRuntime runtime(String cgroupParent) {
        return OciRuntime.builder().runtime(ociRuntime).cgroupParent("/" + cgroupParent).build();
    }

    /** The isolation flags mean nothing without --isolate: say so rather than ignore them. */
    void requireNone() {
        if (rootfs != null || !mounts.isEmpty() || hostname != null || network != null) {
            throw OverseerException.invalidArgument("--rootfs, --mount, --hostname and --network need --isolate");
        }
    }
}
