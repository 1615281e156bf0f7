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

    /**
     * The files whose "oom_kill N" line counts the OOM kills in the absolute cgroup {@code path}: memory.oom_control
     * in the v1 memory hierarchy, memory.events in a v2 one (which has it only where the memory controller is on).
     */
    static List<Path> oomCounters(String path) {
        List<Path> files = new ArrayList<>();
        for (String[] m : mounts()) {
            if (m[1].equals("cgroup") && List.of(m[2].split(",")).contains("memory")) {
                files.add(Path.of(m[0], path, "memory.oom_control").normalize());
            } else if (m[1].equals("cgroup2")) {
                files.add(Path.of(m[0], path, "memory.events").normalize());
            }
        }
        return files;
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

    /** Mount point, file system type and super options of every mount. */
    static List<String[]> mounts() {
        List<String[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // " - " ends the optional fields; String.split would compile it as a pattern on every line
                int dash = line.indexOf(" - ");
                String[] left = line.substring(0, dash).split(" ");
                String[] right = line.substring(dash + 3).split(" ");
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
}
