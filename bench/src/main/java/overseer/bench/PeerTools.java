package overseer.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
