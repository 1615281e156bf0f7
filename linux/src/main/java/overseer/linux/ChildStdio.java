package overseer.linux;

import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * The descriptors one spawn needs: the pipes (or the pseudo-terminal) a spec asks for, and the gate's pipe,
 * all close-on-exec. The child's ends go to the child through the {@link SpawnPlan} and are closed here as
 * soon as it is spawned; the parent's ends are handed over to the process or closed if the spawn fails, so
 * no descriptor outlives its use on any path.
 */
final class ChildStdio implements AutoCloseable {
    private static final int NONE = ProcessPlans.ChildEnds.NONE;

    // Index 0 is the read end, 1 the write end, as pipe2 fills them.
    private final int[] stdin = {NONE, NONE};
    private final int[] stdout = {NONE, NONE};
    private final int[] stderr = {NONE, NONE};
    private final int[] gate = {NONE, NONE};
    private final int[] pty = {NONE, NONE}; // master, slave
    private final Optional<String> terminal;

    /** Opens what {@code spec} needs, and a gate pipe when {@code gated}; on failure nothing stays open. */
    ChildStdio(ProcessSpec spec, boolean gated) {
        try {
            terminal = spec.terminal() ? Optional.of(openpty(pty)) : Optional.empty();
            if (!spec.terminal() && spec.stdin() == Redirect.PIPE) {
                pipe(stdin);
            }
            if (spec.stdout() == Redirect.PIPE && !spec.terminal()) {
                pipe(stdout);
            }
            if (spec.stderr() == Redirect.PIPE) {
                pipe(stderr);
            }
            if (gated) {
                pipe(gate);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** What the child is given, with the controlling terminal whose foreground it takes ({@code NONE} if none). */
    ProcessPlans.ChildEnds childEnds(int foreground) {
        return new ProcessPlans.ChildEnds(stdin[0], stdout[1], stderr[1], gate[0], terminal, foreground);
    }

    /** After the spawn (or its failure): the child has its copies; ours go. */
    void closeChildEnds() {
        pty[1] = closed(pty[1]); // the child opened the terminal by its name
        stdin[0] = closed(stdin[0]);
        stdout[1] = closed(stdout[1]);
        stderr[1] = closed(stderr[1]);
        gate[0] = closed(gate[0]);
    }

    /** The gate's write end, to the caller, which closes it. */
    int takeGate() {
        return take(gate, 1);
    }

    /** stdin's write end (or the terminal's master), to the caller, which closes it. */
    int takeStdin() {
        return take(stdin, 1);
    }

    int takeStdout() {
        return take(stdout, 0);
    }

    int takeStderr() {
        return take(stderr, 0);
    }

    /** The pseudo-terminal's master, still ours ({@code NONE} without a terminal): to be duplicated. */
    int terminalMaster() {
        return pty[0];
    }

    /** The pseudo-terminal's master, to the caller, which closes it. */
    int takeTerminal() {
        return take(pty, 0);
    }

    private static int take(int[] fds, int i) {
        int fd = fds[i];
        fds[i] = NONE;
        return fd;
    }

    /** Closes whatever was not taken. */
    @Override
    public void close() {
        for (int[] pair : new int[][] {stdin, stdout, stderr, gate, pty}) {
            pair[0] = closed(pair[0]);
            pair[1] = closed(pair[1]);
        }
    }

    private static int closed(int fd) {
        if (fd != NONE) {
            LibC.close(fd);
        }
        return NONE;
    }

    /** Opens a pseudo-terminal into {@code fds} (master, slave) and returns the slave's path. */
    private static String openpty(int[] fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(4096);
            int[] pair = LibC.openpty(name);
            fds[0] = pair[0];
            fds[1] = pair[1];
            return name.getString(0);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot open a terminal: %s", e.getMessage());
        }
    }

    private static void pipe(int[] fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment two = a.allocate(ValueLayout.JAVA_INT, 2);
            LibC.pipe2(two, LibC.O_CLOEXEC);
            fds[0] = two.get(ValueLayout.JAVA_INT, 0);
            fds[1] = two.get(ValueLayout.JAVA_INT, 4);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot create a pipe: %s", e.getMessage());
        }
    }
}
