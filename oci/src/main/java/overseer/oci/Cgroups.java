package overseer.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cgroup directories of Overseer's containers. Their cgroupsPath is absolute ("/overseer/NS/ID"), the same
 * in every hierarchy: runc reads a relative one below the runtime's own cgroup, crun below the root, and tasks
 * that outlive Overseer should not sit in Overseer's own cgroup anyway (a service manager stopping Overseer
 * would take them along). The runtime removes a container's directory when it deletes it; the parents
 * ("/overseer/NS") are Overseer's to remove once they are empty.
 */
final class Cgroups {
    private Cgroups() {
    }

    /** "v2", "hybrid" or "v1", from the mount table. */
    static String mode() {
        boolean v2Root = false;
        boolean v2Unified = false;
        for (String[] m : mounts()) {
            if (m[1].equals("cgroup2")) {
                v2Root |= m[0].equals("/sys/fs/cgroup");
                v2Unified |= m[0].equals("/sys/fs/cgroup/unified");
            }
        }
        return v2Root ? "v2" : v2Unified ? "hybrid" : "v1";
    }

    /** The directory of the absolute cgroup {@code path} in every mounted hierarchy. */
    static List<Path> directories(String path) {
        List<Path> dirs = new ArrayList<>();
        for (String[] m : mounts()) {
            if (m[1].equals("cgroup") || m[1].equals("cgroup2")) {
                dirs.add(Path.of(m[0], path).normalize());
            }
        }
        return dirs;
    }

    /** Removes {@code parent} and the directories under it that no process and no child cgroup keeps. */
    static void removeEmpty(String parent) {
        for (Path dir : directories(parent)) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path d : s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                    try {
                        Files.delete(d); // rmdir: the kernel refuses while the cgroup has members or children
                    } catch (IOException busy) {
                        // still in use by a task that runs, or by another runtime
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // vanished while walking
            }
        }
    }

    /** The cgroup of {@code pid} in the hierarchy mounted at {@code m}, from /proc/PID/cgroup. */
    private static java.util.Optional<String> ownPath(List<String> cgroupLines, String[] m) {
        for (String line : cgroupLines) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            boolean match = m[1].equals("cgroup2") ? f[1].isEmpty()
                    : List.of(f[1].split(",")).stream().anyMatch(c -> List.of(m[2].split(",")).contains(c));
            if (match) {
                return java.util.Optional.of(f[2]);
            }
        }
        return java.util.Optional.empty();
    }

    /** Mount point, file system type and super options of every mount. */
    static List<String[]> mounts() {
        List<String[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] halves = line.split(" - ", 2);
                String[] left = halves[0].split(" ");
                String[] right = halves[1].split(" ");
                out.add(new String[] {left[4], right[0], right.length > 2 ? right[2] : ""});
            }
        } catch (IOException | RuntimeException e) {
            // no mount table: nothing is mounted that Overseer could use
        }
        return out;
    }

    /** How many mounts this process sees: the count must not grow when tasks come and go (DESIGN.md). */
    static int mountCount() {
        return mounts().size();
    }

    /** The cgroup directory of process {@code pid} in the hierarchy of {@code controller} ("" for v2). */
    static java.util.Optional<Path> of(long pid, String controller) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        for (String[] m : mounts()) {
            boolean wanted = controller.isEmpty() ? m[1].equals("cgroup2")
                    : m[1].equals("cgroup") && List.of(m[2].split(",")).contains(controller);
            if (wanted) {
                return ownPath(lines, m).map(p -> Path.of(m[0], p));
            }
        }
        return java.util.Optional.empty();
    }
}
