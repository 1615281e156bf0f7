package overseer.linux;

import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.linux.SpawnPlan.FileAction;
import overseer.linux.SpawnPlan.OpenMode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@link SpawnPlan} of a task's (or an exec's) process, computed from its spec and the descriptors
 * made for it; pure, so every rule here is unit tested without spawning.
 *
 * <p>No instruction of the program of a task with a v2 cgroup runs outside it: such a process is spawned
 * gated: a {@link Gate} (overseer-gate, or {@code /bin/sh}) runs instead of the program, blocked reading
 * descriptor 3 until Overseer has written its pid to each of the task's cgroup.procs, and only then execs the
 * program (the same pid).
 * A process run as another user goes through setpriv(1). Behind the gate or setpriv, args[0] becomes the
 * resolved path of the program.
 */
final class ProcessPlans {
    static final String SH = "/bin/sh";
    /**
     * Waits for one line on fd 3, closes it, execs the rest of the command line; no line means no exec. The
     * shell exports PWD (its cwd) to what it execs: unset again, the program gets exactly the spec's environment.
     */
    static final String GATE_SCRIPT = "read -r gate <&3 || exit 125; unset PWD; exec 3<&- \"$@\"";
    /** {@link #GATE_SCRIPT} for a spec that sets PWD itself: its value, the first argument, is put back. */
    static final String GATE_SCRIPT_PWD = "read -r gate <&3 || exit 125; PWD=$1; shift; export PWD; exec 3<&- \"$@\"";
    /** The descriptor the gate reads its go-ahead from. */
    static final int GATE_FD = 3;
    static final String DEV_NULL = "/dev/null";

    private ProcessPlans() {
    }

    /**
     * The descriptors of the parent that become the child's; {@link #NONE} where a stream has none.
     *
     * @param stdin      read end of the stdin pipe
     * @param stdout     write end of the stdout pipe
     * @param stderr     write end of the stderr pipe
     * @param gate       read end of the gate pipe (the process is gated when it is set)
     * @param terminal   the path of the pseudo-terminal's slave, which the child opens as 0, 1 and 2
     * @param foreground a controlling terminal whose foreground group the child becomes
     */
    record ChildEnds(int stdin, int stdout, int stderr, int gate, Optional<String> terminal, int foreground) {
        static final int NONE = -1;
        static final ChildEnds NOTHING = new ChildEnds(NONE, NONE, NONE, NONE, Optional.empty(), NONE);

        boolean gated() {
            return gate != NONE;
        }
    }

    /**
     * The plan for {@code spec}, whose program resolved to {@code executable}; {@code setpriv} is needed
     * only when {@code user} is set, {@code gate} only when {@code ends} has a gate.
     */
    static SpawnPlan plan(ProcessSpec spec, Path executable, Optional<Credentials> user, Optional<Path> setpriv,
                          Gate gate, ChildEnds ends) {
        Optional<Gate> gated = ends.gated() ? Optional.of(gate) : Optional.empty();
        String program = gated.isPresent() ? gate.path() : user.isPresent() ? setpriv(setpriv).toString() : executable.toString();
        return new SpawnPlan(program, argv(spec, executable, user, setpriv, gated),
                SpawnPlan.environment(spec.env()), actions(spec, ends),
                ends.terminal().isPresent() ? SpawnPlan.Group.NEW_SESSION : SpawnPlan.Group.NEW_GROUP);
    }

    /** The command line posix_spawn runs: the spec's, behind setpriv and the gate when they are needed. */
    static List<String> argv(ProcessSpec spec, Path executable, Optional<Credentials> user, Optional<Path> setpriv,
                             Optional<Gate> gate) {
        if (gate.isEmpty() && user.isEmpty()) {
            return spec.args();
        }
        List<String> a = new ArrayList<>();
        gate.ifPresent(g -> a.addAll(g.argv(spec.env())));
        if (user.isPresent()) {
            a.add(setpriv(setpriv).toString());
            a.addAll(user.get().setprivArgs());
            a.add("--");
        }
        a.add(executable.toString());
        a.addAll(spec.args().subList(1, spec.args().size()));
        return a;
    }

    private static Path setpriv(Optional<Path> setpriv) {
        return setpriv.orElseThrow(() -> OverseerException.failedPrecondition(
                "user: running a process as another user needs setpriv(1) from util-linux, which is not installed"));
    }

    private static List<FileAction> actions(ProcessSpec spec, ChildEnds ends) {
        List<FileAction> a = new ArrayList<>();
        if (ends.terminal().isPresent()) {
            // A session leader that opens a terminal without O_NOCTTY gets it as its controlling terminal.
            a.add(new FileAction.Open(0, ends.terminal().get(), OpenMode.READ_WRITE));
            a.add(new FileAction.Dup2(0, 1));
            a.add(new FileAction.Dup2(0, 2));
        } else {
            redirect(a, 0, spec.stdin(), ends.stdin());
            redirect(a, 1, spec.stdout(), ends.stdout());
            redirect(a, 2, spec.stderr(), ends.stderr());
        }
        spec.cwd().ifPresent(d -> a.add(new FileAction.Chdir(d.toString())));
        if (ends.gated()) {
            a.add(new FileAction.Dup2(ends.gate(), GATE_FD));
        }
        if (ends.foreground() != ChildEnds.NONE) {
            a.add(new FileAction.TakeTerminal(ends.foreground()));
        }
        // Nothing of the JVM's leaks into the child, whatever its close-on-exec flag says.
        a.add(new FileAction.CloseFrom(ends.gated() ? GATE_FD + 1 : 3));
        return a;
    }

    private static void redirect(List<FileAction> a, int fd, Redirect r, int pipeEnd) {
        switch (r) {
            case Redirect.Null n -> a.add(new FileAction.Open(fd, DEV_NULL, fd == 0 ? OpenMode.READ : OpenMode.WRITE));
            case Redirect.Pipe p -> {
                if (pipeEnd == ChildEnds.NONE) {
                    throw new IllegalArgumentException("fd " + fd + " is piped but no pipe was made for it");
                }
                a.add(new FileAction.Dup2(pipeEnd, fd));
            }
            case Redirect.Inherit i -> {
            }
            case Redirect.ToStdout s -> a.add(new FileAction.Dup2(1, fd));
            case Redirect.File f -> a.add(new FileAction.Open(fd, f.path().toString(),
                    fd == 0 ? OpenMode.READ : f.append() ? OpenMode.WRITE_APPEND : OpenMode.WRITE_TRUNCATE));
        }
    }
}
