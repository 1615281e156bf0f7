package overseer.oci;

import overseer.core.Executables;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The task's file system as its processes will see it, read from the host before anything runs: a path inside
 * the task is mapped through the mount table (the longest destination that contains it) to the host path
 * behind it, following symbolic links the way the kernel would inside the task. This is what lets a bad
 * {@code args[0]} or {@code cwd} fail at create with INVALID_ARGUMENT naming the field, as it does for the
 * native runtime, instead of as a runtime error at start.
 */
final class RootfsView {
    private static final int MAX_LINKS = 40;

    /** One entry of the mount table: a path inside the task and the host path shown there. */
    record Entry(Path destination, Path source) {
    }

    private final Path root;
    private final List<Entry> entries;

    /** {@code root}: the host directory that is the task's "/"; {@code entries}: binds on top of it. */
    RootfsView(Path root, List<Entry> entries) {
        this.root = root;
        this.entries = entries.stream().sorted(Comparator.comparingInt((Entry e) -> e.destination.getNameCount()).reversed()).toList();
    }

    /** The host path behind {@code inside} (absolute, inside the task), with every symbolic link resolved. */
    Path host(Path inside) {
        Path resolved = Path.of("/");
        java.util.ArrayDeque<Path> todo = new java.util.ArrayDeque<>();
        inside.normalize().forEach(todo::add);
        int links = 0;
        while (!todo.isEmpty()) {
            Path name = todo.removeFirst();
            if (name.toString().equals("..")) {
                resolved = resolved.getParent() == null ? resolved : resolved.getParent();
                continue;
            }
            if (name.toString().equals(".")) {
                continue;
            }
            Path next = resolved.resolve(name);
            Path onHost = direct(next);
            if (Files.isSymbolicLink(onHost) && links++ < MAX_LINKS) {
                try {
                    Path target = Files.readSymbolicLink(onHost);
                    java.util.ArrayDeque<Path> rest = new java.util.ArrayDeque<>();
                    target.forEach(rest::add);
                    rest.addAll(todo);
                    todo = rest;
                    if (target.isAbsolute()) {
                        resolved = Path.of("/");
                    }
                    continue;
                } catch (IOException e) {
                    return onHost;
                }
            }
            resolved = next;
        }
        return direct(resolved);
    }

    /** The host path for an already resolved path inside the task. */
    private Path direct(Path inside) {
        for (Entry e : entries) {
            if (inside.startsWith(e.destination)) {
                return e.source.resolve(e.destination.relativize(inside).toString());
            }
        }
        return root.resolve(Path.of("/").relativize(inside).toString());
    }

    /**
     * The path inside the task of the program {@code spec} runs, searched as the native runtime searches it
     * ({@link Executables}), with each candidate checked at the host path behind it; the working directory
     * defaults to the task's "/". INVALID_ARGUMENT naming {@code args[0]} when none fits.
     */
    Path resolveProgram(ProcessSpec spec) {
        return Executables.resolve(spec, spec.cwd().orElse(Path.of("/")), this::host);
    }

    /** INVALID_ARGUMENT naming {@code cwd} unless the working directory exists in the task and is a directory. */
    void requireCwd(ProcessSpec spec) {
        Executables.requireCwd(spec, this::host);
    }

    /** A merged stderr is made with the task's own /bin/sh (see Bundle): INVALID_ARGUMENT if it has none. */
    void requireShellForMerge(ProcessSpec spec) {
        if (spec.stderr() == Redirect.STDOUT && !runnable(Path.of("/bin/sh"))) {
            throw OverseerException.invalidArgument("stderr: merging it into stdout needs /bin/sh in the task's root");
        }
    }

    /** Reads a file of the task (its /etc/passwd), if it is there. */
    Optional<List<String>> lines(Path inside) {
        try {
            return Optional.of(Files.readAllLines(host(inside)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether the task can run {@code inside}: an executable regular file behind it on the host. */
    private boolean runnable(Path inside) {
        Path h = host(inside);
        return Files.isRegularFile(h, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(h);
    }

    /** Redirect files are the host's: Overseer reads and writes them, not the task. */
    static void requireRedirects(ProcessSpec spec) {
        ProcessSpec onHost = spec.toBuilder().cwd(null).build();
        Executables.requireRedirects(onHost);
        if (spec.stdin() instanceof Redirect.File f && !f.path().isAbsolute()) {
            throw OverseerException.invalidArgument("stdin: must be an absolute path for an isolated task, got \"%s\"", f.path());
        }
    }
}
