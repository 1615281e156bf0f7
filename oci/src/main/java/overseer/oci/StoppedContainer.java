package overseer.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Deletes a stopped container without running the runtime. For a container whose processes are all gone,
 * {@code runc delete} and {@code crun delete} do two things (strace of both, docs/benchmarks.md §19): rmdir the
 * container's cgroup in every hierarchy, and remove their state directory {@code ROOT/ID} (runc's state.json,
 * crun's status and config.json). They would also run poststop hooks, which Overseer never writes. One run of the
 * runtime costs 6–9 ms here, most of it the runtime re-executing itself from a sealed copy and, for crun, the
 * private mount namespace it needs on a hybrid host; the same two steps cost well under one.
 *
 * <p>Only when every sign agrees is it done here: conmon has written the exit file (the init process is reaped),
 * the state directory is the runtime's, and each of the cgroup's directories has no process left and is removed.
 * Anything else (a process left behind in the host's pid namespace, a child cgroup, an unknown layout) is the
 * runtime's to delete with {@code --force}, and both runtimes take over a cgroup whose directories are partly
 * gone.
 */
final class StoppedContainer {
    /** What each runtime keeps in its state directory: runc's file, crun's. */
    private static final List<String> STATE_FILES = List.of("state.json", "status");

    private StoppedContainer() {
    }

    /** Whether the container of {@code paths} in cgroup {@code cgroupsPath} is gone; false: the runtime must delete it. */
    static boolean remove(TaskPaths paths, String cgroupsPath) {
        Path state = paths.runtimeRoot().resolve(paths.containerId());
        if (!Files.exists(paths.exitFile()) || STATE_FILES.stream().noneMatch(f -> Files.isRegularFile(state.resolve(f)))) {
            return false;
        }
        List<Path> cgroups = Cgroups.directories(cgroupsPath).stream().filter(Files::isDirectory).toList();
        if (!cgroups.stream().allMatch(StoppedContainer::noProcesses)) {
            return false;
        }
        for (Path dir : cgroups) {
            try {
                Files.delete(dir); // rmdir: the kernel refuses a cgroup with members or children
            } catch (NoSuchFileException gone) {
                // removed meanwhile
            } catch (IOException busy) {
                return false;
            }
        }
        Files2.deleteTree(state);
        return !Files.exists(state);
    }

    private static boolean noProcesses(Path cgroup) {
        try {
            return Files.readAllBytes(cgroup.resolve("cgroup.procs")).length == 0; // a cgroup file's size is always 0
        } catch (NoSuchFileException gone) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
