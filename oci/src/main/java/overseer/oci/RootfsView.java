package overseer.oci;

import overseer.core.Executables;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
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
     * The path inside the task of the program {@code spec} runs, searched the way the native runtime does
     * ({@link Executables}): a name with '/' is taken as it is, relative to the working directory; a bare name
     * is looked up in the spec's PATH or the default one. INVALID_ARGUMENT naming {@code args[0]} when none fits.
     */
    Path resolveProgram(ProcessSpec spec) {
        String command = spec.args().getFirst();
        Path cwd = spec.cwd().orElse(Path.of("/"));
        if (command.indexOf('/') >= 0) {
            Path p = cwd.resolve(path(command)).normalize();
            String problem = problem(p);
            if (problem != null) {
                throw Executables.unfit(problem, "%s: \"%s\"".formatted(problem, command));
            }
            return p;
        }
        String firstProblem = null;
        Path firstRejected = null;
        for (String dir : spec.env().getOrDefault("PATH", Executables.DEFAULT_PATH).split(":", -1)) {
            Path candidate;
            try {
                candidate = (dir.isEmpty() ? cwd : cwd.resolve(dir)).resolve(command).normalize();
            } catch (InvalidPathException e) {
                continue;
            }
            String problem = problem(candidate);
            if (problem == null) {
                return candidate;
            }
            if (firstProblem == null && Files.exists(host(candidate))) {
                firstProblem = problem;
                firstRejected = candidate;
            }
        }
        if (firstProblem != null) {
            throw Executables.unfit(firstProblem, "%s: \"%s\" (found \"%s\" in PATH)".formatted(firstProblem, command, firstRejected));
        }
        throw OverseerException.executableNotFound("%s: \"%s\"", Executables.NO_SUCH_FILE, command);
    }

    /** INVALID_ARGUMENT naming {@code cwd} unless the working directory exists in the task and is a directory. */
    void requireCwd(ProcessSpec spec) {
        spec.cwd().ifPresent(dir -> {
            Path h = host(dir);
            if (!Files.exists(h)) {
                throw OverseerException.invalidArgument("cwd: no such file or directory: \"%s\"", dir);
            }
            if (!Files.isDirectory(h)) {
                throw OverseerException.invalidArgument("cwd: not a directory: \"%s\"", dir);
            }
        });
    }

    /** A merged stderr is made with the task's own /bin/sh (see Bundle): INVALID_ARGUMENT if it has none. */
    void requireShellForMerge(ProcessSpec spec) {
        if (spec.stderr() == Redirect.STDOUT && problem(Path.of("/bin/sh")) != null) {
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

    private String problem(Path inside) {
        Path h = host(inside);
        if (!Files.exists(h)) {
            return Executables.NO_SUCH_FILE;
        }
        if (Files.isDirectory(h)) {
            return "is a directory";
        }
        if (!Files.isRegularFile(h, LinkOption.NOFOLLOW_LINKS) || !Files.isExecutable(h)) {
            return "permission denied, not an executable file";
        }
        return null;
    }

    private static Path path(String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw OverseerException.invalidArgument("args[0]: not a valid path: \"%s\"", value);
        }
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
