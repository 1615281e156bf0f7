package overseer.core.internal;

import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.UnaryOperator;

/**
 * The checks a host-process runtime makes before it starts anything, so that a bad spec fails at create
 * with INVALID_ARGUMENT naming the field instead of failing later inside a spawn.
 *
 * <p>{@code args[0]} is looked up the way {@code execvp} does it, but in the PATH of the spec's own
 * environment (not Overseer's): a name containing '/' is taken as a path (relative to the working
 * directory); a bare name is searched in each PATH entry in order, an empty entry meaning the working
 * directory; the first executable regular file wins. When the environment has no PATH,
 * {@link #DEFAULT_PATH} is searched.
 */
public final class Executables {
    /** The PATH searched when the spec's environment has none (the usual root PATH). */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** What {@link #problem} says of a path where nothing is. */
    public static final String NO_SUCH_FILE = "no such file or directory";

    private Executables() {
    }

    /**
     * The absolute path of the program {@code spec} runs. INVALID_ARGUMENT naming {@code args[0]} when
     * there is no such file, it is a directory or it is not executable.
     */
    public static Path resolve(ProcessSpec spec) {
        return resolve(spec, base(spec), UnaryOperator.identity());
    }

    /**
     * {@link #resolve(ProcessSpec)} for a process that will see another file system than Overseer (an isolated
     * task's root): {@code base} is its working directory as it names it, {@code onHost} maps a path as it
     * names it to the host path behind it, where the file is checked. Returns the path as the process names it.
     */
    public static Path resolve(ProcessSpec spec, Path base, UnaryOperator<Path> onHost) {
        String command = spec.args().getFirst();
        if (command.indexOf('/') >= 0) {
            Path p = base.resolve(path("args[0]", command)).normalize();
            String problem = problem(onHost.apply(p));
            if (problem != null) {
                throw unfit(problem, "%s: \"%s\"".formatted(problem, command));
            }
            return p;
        }
        String searched = spec.env().getOrDefault("PATH", DEFAULT_PATH);
        String firstProblem = null;
        Path firstRejected = null;
        for (String dir : searched.split(":", -1)) {
            Path d;
            try {
                d = dir.isEmpty() ? base : base.resolve(dir);
            } catch (InvalidPathException e) {
                continue; // an entry that cannot name a directory cannot hold the program either
            }
            Path candidate = d.resolve(command).normalize();
            String problem = problem(onHost.apply(candidate));
            if (problem == null) {
                return candidate;
            }
            // Like execvp: a candidate that exists but cannot run is remembered, and the search goes on.
            if (firstProblem == null && Files.exists(onHost.apply(candidate))) {
                firstProblem = problem;
                firstRejected = candidate;
            }
        }
        if (firstProblem != null) {
            throw unfit(firstProblem, "%s: \"%s\" (found \"%s\" in PATH)".formatted(firstProblem, command, firstRejected));
        }
        throw OverseerException.executableNotFound("%s: \"%s\"", NO_SUCH_FILE, command);
    }

    /** args[0] cannot run: 127 if there is nothing by that name, 126 if what is there cannot be executed. */
    public static OverseerException unfit(String problem, String detail) {
        return NO_SUCH_FILE.equals(problem) ? OverseerException.executableNotFound("%s", detail)
                : OverseerException.notExecutable("%s", detail);
    }

    /**
     * INVALID_ARGUMENT naming {@code cwd} when the spec's working directory is missing, not a directory or
     * not searchable. A spec without one is fine: the runtime's default applies.
     */
    public static void requireCwd(ProcessSpec spec) {
        requireCwd(spec, UnaryOperator.identity());
    }

    /** {@link #requireCwd(ProcessSpec)} where {@code onHost} maps the directory to the host path behind it. */
    public static void requireCwd(ProcessSpec spec, UnaryOperator<Path> onHost) {
        spec.cwd().ifPresent(named -> {
            Path dir = onHost.apply(named);
            if (!Files.exists(dir)) {
                throw OverseerException.invalidField("cwd", "no such file or directory: \"%s\"", named);
            }
            if (!Files.isDirectory(dir)) {
                throw OverseerException.invalidField("cwd", "not a directory: \"%s\"", named);
            }
            if (!Files.isExecutable(dir)) {
                throw OverseerException.invalidField("cwd", "permission denied: \"%s\"", named);
            }
        });
    }

    /**
     * INVALID_ARGUMENT naming the stream when a file redirect cannot work: a stdin file that is missing,
     * a directory or unreadable; an output file whose directory is missing, or that is itself a directory.
     */
    public static void requireRedirects(ProcessSpec spec) {
        Path base = base(spec);
        if (spec.stdin() instanceof Redirect.File f) {
            Path p = base.resolve(f.path());
            if (!Files.exists(p)) {
                throw OverseerException.invalidField("stdin", "no such file or directory: \"%s\"", f.path());
            }
            if (Files.isDirectory(p)) {
                throw OverseerException.invalidField("stdin", "is a directory: \"%s\"", f.path());
            }
            if (!Files.isReadable(p)) {
                throw OverseerException.invalidField("stdin", "permission denied: \"%s\"", f.path());
            }
        }
        requireOutput("stdout", spec.stdout(), base);
        requireOutput("stderr", spec.stderr(), base);
    }

    private static void requireOutput(String field, Redirect r, Path base) {
        if (!(r instanceof Redirect.File f)) {
            return;
        }
        Path p = base.resolve(f.path()).toAbsolutePath();
        if (Files.isDirectory(p)) {
            throw OverseerException.invalidField(field, "is a directory: \"%s\"", f.path());
        }
        Path parent = p.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw OverseerException.invalidField(field, "no such directory: \"%s\"", parent);
        }
    }

    /** Why {@code p} cannot be executed, or null if it can. */
    private static String problem(Path p) {
        BasicFileAttributes file; // one stat, and one access(X_OK) below: this is on every create's path
        try {
            file = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException e) {
            return NO_SUCH_FILE; // as Files.exists says of a file that is missing or cannot be looked up
        }
        if (file.isDirectory()) {
            return "is a directory";
        }
        if (!file.isRegularFile() || !Files.isExecutable(p)) {
            return "permission denied, not an executable file";
        }
        return null;
    }

    private static Path base(ProcessSpec spec) {
        return spec.cwd().orElseGet(() -> Path.of("").toAbsolutePath());
    }

    private static Path path(String field, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw OverseerException.invalidField(field, "not a valid path: \"%s\"", value);
        }
    }
}
