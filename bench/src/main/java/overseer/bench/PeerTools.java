package overseer.bench;

import overseer.oci.Launcher;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The peers' programs a bench needs, checked before it starts anything, so a missing one is named up front. */
final class PeerTools {
    private PeerTools() {
    }

    static void require(String bench, List<String> tools) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException(bench + " needs root: the isolated peers and the cgroups they make do");
        }
        List<String> missing = tools.stream().filter(t -> !onPath(t)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(bench + " needs " + String.join(", ", missing)
                    + " on the PATH: install the peers with bench/setup.sh (as root)");
        }
    }

    private static boolean onPath(String tool) {
        return find(tool).isPresent();
    }

    private static Launcher launcher;

    /** How Overseer runs the OCI runtime in a private mount namespace here: the bare runtimes and podman-on-crun run so too. */
    static synchronized Launcher launcher() {
        if (launcher == null) {
            launcher = Launcher.best(Path.of(path("unshare")));
        }
        return launcher;
    }

    /** The absolute path of {@code tool} on the PATH: overseer-unshare execs its program as given, without a search. */
    static String path(String tool) {
        return find(tool).map(Path::toString).orElseThrow(() -> new IllegalStateException(tool + " is not on the PATH"));
    }

    private static Optional<Path> find(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return Optional.of(Path.of(dir, tool));
            }
        }
        return Optional.empty();
    }
}
