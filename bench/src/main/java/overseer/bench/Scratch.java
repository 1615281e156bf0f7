package overseer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a peers bench keeps everything it makes: one directory on tmpfs (as /run is on most hosts) for the
 * peers' state, sockets and images, and one cgroup parent under every v1 controller and the v2 mount. {@link
 * #close} unmounts what the peers left mounted under the directory, removes the cgroups leaf first and deletes
 * the directory, also when the bench failed half way.
 */
final class Scratch implements AutoCloseable {
    /** The cgroup parent every peer's tasks are placed under, so that one tree holds all the bench made. */
    static final String CGROUP_PARENT = "/overseer-bench-peers";
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    final Path dir;

    private Scratch(Path dir) {
        this.dir = dir;
    }

    static Scratch create(String name) throws IOException {
        // Short: conmon's attach socket path under Overseer's state dir must stay within 108 bytes.
        return new Scratch(Files.createDirectories(Path.of("/dev/shm/" + name + "-" + ProcessHandle.current().pid())));
    }

    Path resolve(String child) {
        return dir.resolve(child);
    }

    @Override
    public void close() {
        unmountUnder(dir);
        removeCgroups();
        deleteTree(dir);
    }

    /** Lazily unmounts every mount point at or below {@code dir} in this mount namespace, deepest first. */
    static void unmountUnder(Path dir) {
        List<String> points = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String point = line.split(" ")[4].replace("\\040", " ");
                if (point.equals(dir.toString()) || point.startsWith(dir + "/")) {
                    points.add(point);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo", e);
        }
        points.sort(Comparator.comparingInt(String::length).reversed());
        for (String p : points) {
            Cmd.run(dir.getParent(), "umount", "-l", p);
        }
    }

    private static void removeCgroups() {
        try (Stream<Path> controllers = Files.list(CGROUP_ROOT)) {
            for (Path c : controllers.toList()) {
                Path parent = c.resolve(CGROUP_PARENT.substring(1));
                if (Files.isDirectory(parent) && !Files.isSymbolicLink(c)) {
                    try (Stream<Path> walk = Files.walk(parent)) {
                        // A cgroup directory is removed with rmdir even though it lists files: deepest first.
                        walk.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                                .forEach(d -> d.toFile().delete());
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("cannot remove the cgroups under " + CGROUP_PARENT + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cannot delete " + dir + ": " + e.getMessage());
        }
    }
}
