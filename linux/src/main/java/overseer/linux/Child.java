package overseer.linux;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A child spawned by {@link PosixSpawn}, held through a pidfd from the moment it exists: signals reach it
 * and nothing else, and its exit is waited for by polling the pidfd, then collected with
 * {@code waitid(P_PIDFD)}, never by a {@code waitpid} that another reaper could race. What the daemon's
 * monitor spawns, and the helper programs of the oci module (the runtime, conmon, criu).
 */
public final class Child implements AutoCloseable {
    /** In {@code fds}: the child keeps the parent's descriptor of that number. */
    public static final int INHERIT = -2;
    /** In {@code fds}: the child's descriptor of that number is /dev/null. */
    public static final int DEV_NULL = -1;

    private final int pid;
    private final Pidfd pidfd;

    private Child(int pid, Pidfd pidfd) {
        this.pid = pid;
        this.pidfd = pidfd;
    }

    /** Spawns {@code plan} and opens its pidfd at once: until it is reaped, the pid cannot name another process. */
    public static Child spawn(SpawnPlan plan) {
        int pid = PosixSpawn.spawn(plan);
        return new Child(pid, Pidfd.open(pid).orElseThrow(() -> OverseerException.internal(
                "cannot open a pidfd for child " + pid + ": it is gone before it was reaped", null)));
    }

    /**
     * Spawns a helper program: {@code argv} (its first element a path) with {@code env} ({@code NAME=VALUE}),
     * in {@code dir}, in Overseer's process group. {@code fds[i]} becomes the child's descriptor i
     * ({@link #DEV_NULL}, {@link #INHERIT}, or a descriptor of ours at or above {@code fds.length}, so that no
     * dup2 lands on itself and keeps close-on-exec); every other descriptor is closed in the child.
     */
    public static Child spawn(List<String> argv, List<String> env, Optional<Path> dir, int... fds) {
        List<SpawnPlan.FileAction> actions = new ArrayList<>();
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] == DEV_NULL) {
                actions.add(new SpawnPlan.FileAction.Open(i, "/dev/null", i == 0 ? SpawnPlan.OpenMode.READ : SpawnPlan.OpenMode.WRITE));
            } else if (fds[i] != INHERIT) {
                actions.add(new SpawnPlan.FileAction.Dup2(fds[i], i));
            }
        }
        actions.add(new SpawnPlan.FileAction.CloseFrom(Math.max(3, fds.length)));
        dir.ifPresent(d -> actions.add(new SpawnPlan.FileAction.Chdir(d.toString())));
        return spawn(new SpawnPlan(argv.getFirst(), argv, env, actions, SpawnPlan.Group.INHERIT));
    }

    public int pid() {
        return pid;
    }

    /** Sends {@code signal} through the pidfd; false when the child has exited (or was closed). */
    public boolean signal(Signal signal) {
        return pidfd.signal(signal);
    }

    /**
     * Waits until the child exits and reaps it: its exit, with {@code exitCode} 128 + the signal when one
     * killed it. Only for children nobody else reaps (a subreaper's own loop collects its children itself).
     * A virtual thread waits without holding its carrier ({@link Readiness}).
     */
    public Exit awaitExit() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            while (true) {
                // The pidfd becomes readable when the child exits.
                Readiness.awaitReadable(pidfd.fd());
                if (LibC.waitidPidfd(pidfd.fd(), info, LibC.WEXITED | LibC.WNOHANG)) {
                    return exitOf(info);
                }
            }
        } catch (LibC.Errno e) {
            throw OverseerException.internal("waiting for child " + pid + ": " + e.getMessage(), e);
        }
    }

    /** The exit a filled siginfo_t tells: killed by si_status for CLD_KILLED and CLD_DUMPED, else exited with it. */
    static Exit exitOf(MemorySegment siginfo) {
        int code = siginfo.get(ValueLayout.JAVA_INT, LibC.SIGINFO_CODE);
        int status = siginfo.get(ValueLayout.JAVA_INT, LibC.SIGINFO_STATUS);
        return code == LibC.CLD_KILLED || code == LibC.CLD_DUMPED
                ? Exit.killed(Signal.of(status), false, Instant.now()) : Exit.exited(status, Instant.now());
    }

    /** Closes the pidfd; the child itself is left alone. */
    @Override
    public void close() {
        pidfd.close();
    }
}
