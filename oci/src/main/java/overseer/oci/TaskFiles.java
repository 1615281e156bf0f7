package overseer.oci;

import overseer.core.Isolation;
import overseer.core.ProcessSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A new task's files before its bundle is written: its private directories, its root as the process will
 * see it, and the checks that only that view can make (the program, the working directory, a shell for a
 * merged stderr, the user), so that a bad spec fails at create with INVALID_ARGUMENT naming the field.
 */
final class TaskFiles {
    private TaskFiles() {
    }

    /** What the bundle is written from: the task's view of its root, the program's path in it, its ids. */
    record Prepared(RootfsView view, String program, Bundle.Ids ids) {
    }

    static Prepared prepare(TaskPaths paths, Isolation iso, ProcessSpec spec) throws IOException {
        Bundle.privateDir(paths.dir());
        for (Path dir : List.of(paths.exits(), paths.persist(), paths.runtimeRoot(), paths.socketDir())) {
            Files2.directories(dir);
        }
        RootfsView view = Bundle.prepareRoot(paths, iso);
        String program = view.resolveProgram(spec).toString();
        view.requireCwd(spec);
        RootfsView.requireRedirects(spec);
        view.requireShellForMerge(spec);
        Bundle.Ids ids = UserIds.of(view, spec);
        if (ids.uid() != 0 && iso.rootfs().isEmpty()) {
            // The task dirs Overseer made are the user's to write, as Nomad's task dir is the task's.
            List<String> owned = new ArrayList<>(Bundle.TASK_DIRS);
            Bundle.ALLOC_DIRS.forEach(d -> owned.add("alloc/" + d));
            for (String d : owned) {
                Path dir = paths.rootfs().resolve(d);
                Files.setAttribute(dir, "unix:uid", ids.uid());
                Files.setAttribute(dir, "unix:gid", ids.gid());
            }
        }
        return new Prepared(view, program, ids);
    }
}
