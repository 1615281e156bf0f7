package overseer.linux;

import java.util.List;
import java.util.Objects;

/**
 * Everything one posix_spawn is told, as a value: the program, its command line and environment, what is
 * done to the child's descriptors (in order) before it execs, and which process group it joins. Computing a
 * plan touches nothing native, so it can be checked without spawning ({@link ProcessPlans} makes the plan of
 * a task's process); {@link PosixSpawn#spawn} carries it out.
 *
 * <p>Every spawn also starts the child with an empty signal mask and every signal at its default action: the
 * JVM blocks and handles signals a child must not inherit.
 *
 * @param program the executable's path, as posix_spawn takes it (no PATH search)
 * @param argv    the command line, args[0] first
 * @param env     NAME=VALUE entries, exactly the child's environment
 * @param actions done in the child, in this order, before the exec
 * @param group   the process group (or session) the child is born in
 */
public record SpawnPlan(String program, List<String> argv, List<String> env, List<FileAction> actions, Group group) {
    public SpawnPlan {
        Objects.requireNonNull(program, "program");
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        actions = List.copyOf(actions);
        Objects.requireNonNull(group, "group");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv: a command line needs at least args[0]");
        }
    }

    /** Where the child goes: its parent's group, a group of its own, or a session of its own (and its group). */
    public enum Group {
        INHERIT, NEW_GROUP, NEW_SESSION
    }

    /** How a file is opened onto a descriptor of the child. */
    public enum OpenMode {
        READ, READ_WRITE,
        /** For writing, neither created nor truncated: a device such as /dev/null. */
        WRITE,
        /** Created private (0600) by open(2) itself if missing, so no other user ever sees it open; truncated. */
        WRITE_TRUNCATE,
        /** As {@link #WRITE_TRUNCATE}, but appended to. */
        WRITE_APPEND
    }

    /** One step on the child's descriptors, done by posix_spawn between fork and exec. */
    public sealed interface FileAction {
        /** Opens {@code path} as descriptor {@code fd}. */
        record Open(int fd, String path, OpenMode mode) implements FileAction {
            public Open {
                Objects.requireNonNull(path, "path");
                Objects.requireNonNull(mode, "mode");
            }
        }

        /** Makes descriptor {@code to} a copy of {@code from} (from stays open: close-on-exec ends it). */
        record Dup2(int from, int to) implements FileAction {
        }

        /** Changes the working directory. */
        record Chdir(String dir) implements FileAction {
            public Chdir {
                Objects.requireNonNull(dir, "dir");
            }
        }

        /**
         * Makes the child's group the foreground group of the terminal open as {@code terminalFd}, with every
         * signal blocked (no SIGTTOU stops it), before the program runs a single instruction.
         */
        record TakeTerminal(int terminalFd) implements FileAction {
        }

        /** Closes every descriptor from {@code lowest} up, whatever its close-on-exec flag says. */
        record CloseFrom(int lowest) implements FileAction {
        }
    }

    /** A plan for {@code argv} (args[0] the program's path) with {@code env}, stdio inherited, nothing else. */
    public static SpawnPlan of(List<String> argv, List<String> env, Group group) {
        return new SpawnPlan(argv.getFirst(), argv, env, List.of(new FileAction.CloseFrom(3)), group);
    }

    /** NAME=VALUE, as a process's environment is given to posix_spawn. */
    public static List<String> environment(java.util.Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
