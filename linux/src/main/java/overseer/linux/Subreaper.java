package overseer.linux;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * What the daemon's monitor needs of the kernel: to become the child subreaper of everything below it
 * (orphans are reparented to it instead of to init, so it can still collect their exit statuses), to spawn
 * the daemon with posix_spawn (never ProcessBuilder, whose reaper would steal the statuses), to peek at each
 * exited child before reaping it, and to signal the daemon through a pidfd.
 *
 * <p>One instance per monitor; it allocates its siginfo once, so waiting costs nothing per child.
 */
public final class Subreaper {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment info = arena.allocate(LibC.SIGINFO_SIZE, 8);

    /** A child that has exited and is not reaped yet: its pid still names it. */
    public record Exited(int pid, Exit exit) {
    }

    /** prctl(PR_SET_CHILD_SUBREAPER, 1): from now on orphans below this process are reparented to it. */
    public static void becomeSubreaper() {
        try {
            LibC.prctl(LibC.PR_SET_CHILD_SUBREAPER, 1);
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot become a child subreaper: %s", e.getMessage());
        }
    }

    /**
     * In a child of the monitor: die by SIGKILL when the monitor dies, as a service dies with its manager;
     * exits at once if the monitor ({@code parent}) is already gone.
     */
    public static void dieWithParent(long parent) {
        try {
            LibC.prctl(LibC.PR_SET_PDEATHSIG, Signal.SIGKILL.number());
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot ask to die with the monitor: %s", e.getMessage());
        }
        if (LibC.getppid() != parent) {
            // The monitor died before the request above was in place: nothing would collect orphaned exits.
            System.err.println("overseer daemon: the monitor (pid " + parent + ") is gone; exiting");
            Runtime.getRuntime().halt(1);
        }
    }

    /**
     * posix_spawn of {@code argv} with {@code env}, in its own process group (a terminal's ^C reaches the
     * monitor alone, which forwards it), default signal dispositions, an empty mask and nothing but stdio
     * inherited.
     */
    public Child spawn(List<String> argv, Map<String, String> env) {
        return Child.spawn(SpawnPlan.of(argv, SpawnPlan.environment(env), SpawnPlan.Group.NEW_GROUP));
    }

    /**
     * Blocks until some child has exited and returns it without reaping it (waitid WNOWAIT): its
     * /proc/PID/stat, hence its start time, stays readable until {@link #reap}. Empty when there is no child
     * left at all.
     */
    public Optional<Exited> awaitExit() {
        return peek(LibC.WEXITED | LibC.WNOWAIT);
    }

    /** {@link #awaitExit} without blocking: empty when no child has exited (or there is none). */
    public Optional<Exited> pollExit() {
        return peek(LibC.WEXITED | LibC.WNOWAIT | LibC.WNOHANG);
    }

    private synchronized Optional<Exited> peek(int options) {
        try {
            if (!LibC.waitid(LibC.P_ALL, 0, info, options)) {
                return Optional.empty();
            }
        } catch (LibC.Errno e) {
            if (e.errno == LibC.ECHILD) {
                return Optional.empty();
            }
            throw OverseerException.internal("waitid: " + e.getMessage(), e);
        }
        int pid = info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_PID);
        return Optional.of(new Exited(pid, Child.exitOf(info)));
    }

    /** Reaps an exited child that {@link #awaitExit} reported: from then on its pid may be reused. */
    public synchronized void reap(int pid) {
        try {
            LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED);
        } catch (LibC.Errno e) {
            throw OverseerException.internal("waitid " + pid + ": " + e.getMessage(), e);
        }
    }

    /** The start time of a process, zombies included: with the pid, the name of its exit file. */
    public static OptionalLong startTime(int pid) {
        return ProcFs.startTimeEvenIfZombie(pid);
    }

    /**
     * {@link #startTime} of a process that leads its own process group, as every task and exec process the
     * native runtime spawns does; empty for any other (a task's own orphans, whose exits nobody asks for).
     */
    public static OptionalLong groupLeaderStartTime(int pid) {
        return ProcFs.stat(pid).filter(s -> s.pgrp() == pid).isPresent() ? startTime(pid) : OptionalLong.empty();
    }

    /** How many children this process has now (its own and the orphans reparented to it). */
    public static long children() {
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.map(p -> p.getFileName().toString()).filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(n -> ProcFs.stat(Long.parseLong(n))).flatMap(Optional::stream).filter(s -> s.ppid() == self).count();
        } catch (IOException e) {
            return -1;
        }
    }
}
