package overseer.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Does closing inherited descriptors inside posix_spawn make spawning slower as pidfds accumulate?
 * Spawns {@code /bin/sleep 1000} through FFM, keeping a pidfd open for each (as the native runtime does),
 * alternating between file actions with and without posix_spawn_file_actions_addclosefrom_np(3), so both
 * variants see the same descriptor table and the same noise; prints each variant's spawn rate for each
 * tenth. Usage: {@code CloseFromProbe [N]}: N processes in all (default 10000; needs N + a few descriptors).
 */
public final class CloseFromProbe {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POSIX_SPAWN = handle("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle ACTIONS_INIT = handle("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_ADDOPEN = handle("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACTIONS_ADDCLOSEFROM = handle("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PIDFD_OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall")
            .orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle KILL = handle("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle WAITPID = handle("waitpid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final long SYS_PIDFD_OPEN = 434;
    private static final int SIGKILL = 9;

    private CloseFromProbe() {
    }

    public static void main(String[] args) throws Throwable {
        int n = Args.parse(args).count(10_000) / 2 * 2;
        int[] pids = new int[n];
        int[] pidfds = new int[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] actions = {fileActions(arena, false), fileActions(arena, true)};
            MemorySegment path = arena.allocateFrom("/bin/sleep");
            MemorySegment argv = arena.allocate(ADDRESS, 3);
            argv.setAtIndex(ADDRESS, 0, path);
            argv.setAtIndex(ADDRESS, 1, arena.allocateFrom("1000"));
            argv.setAtIndex(ADDRESS, 2, MemorySegment.NULL);
            MemorySegment envp = arena.allocate(ADDRESS, 1);
            envp.setAtIndex(ADDRESS, 0, MemorySegment.NULL);
            MemorySegment pidOut = arena.allocate(JAVA_INT);

            int tenth = Math.max(2, n / 10);
            long[] sliceNanos = new long[2];
            StringBuilder[] rates = {new StringBuilder(), new StringBuilder()};
            try {
                for (int i = 0; i < n; i++) {
                    int variant = i % 2; // alternate, so both variants share the table size and the noise
                    long t0 = System.nanoTime();
                    if ((int) POSIX_SPAWN.invokeExact(pidOut, path, actions[variant], MemorySegment.NULL, argv,
                            envp) != 0) {
                        throw new IllegalStateException("posix_spawn failed after " + i + " processes");
                    }
                    sliceNanos[variant] += System.nanoTime() - t0;
                    pids[i] = pidOut.get(JAVA_INT, 0);
                    pidfds[i] = (int) (long) PIDFD_OPEN.invokeExact(SYS_PIDFD_OPEN, pids[i], 0);
                    if (pidfds[i] < 0) {
                        throw new IllegalStateException("pidfd_open failed after " + i + " processes");
                    }
                    if ((i + 1) % tenth == 0) {
                        for (int v = 0; v < 2; v++) {
                            rates[v].append(String.format(" %.0f", tenth / 2 * 1e9 / sliceNanos[v]));
                            sliceNanos[v] = 0;
                        }
                    }
                }
            } finally {
                reapAll(arena, pids, pidfds);
            }
            System.out.println("close-on-exec only:      " + rates[0]);
            System.out.println("with addclosefrom_np(3): " + rates[1]);
            System.out.println("(posix_spawn calls/s of each tenth of " + n + " live processes, first to last,"
                    + " counting only the time inside posix_spawn)");
        }
    }

    private static MemorySegment fileActions(Arena arena, boolean closeFrom) throws Throwable {
        MemorySegment actions = arena.allocate(256, 16);
        MemorySegment devNull = arena.allocateFrom("/dev/null");
        int rc = (int) ACTIONS_INIT.invokeExact(actions);
        for (int fd = 0; fd <= 2; fd++) {
            rc |= (int) ACTIONS_ADDOPEN.invokeExact(actions, fd, devNull, fd == 0 ? 0 : 1, 0);
        }
        if (closeFrom) {
            rc |= (int) ACTIONS_ADDCLOSEFROM.invokeExact(actions, 3);
        }
        if (rc != 0) {
            throw new IllegalStateException("cannot prepare the file actions");
        }
        return actions;
    }

    /** Kills and reaps whatever was started and closes the pidfds, so nothing outlives the probe. */
    private static void reapAll(Arena arena, int[] pids, int[] pidfds) throws Throwable {
        MemorySegment status = arena.allocate(JAVA_INT);
        for (int i = 0; i < pids.length && pids[i] != 0; i++) {
            int ignored = (int) KILL.invokeExact(pids[i], SIGKILL);
        }
        for (int i = 0; i < pids.length && pids[i] != 0; i++) {
            int reaped = (int) WAITPID.invokeExact(pids[i], status, 0);
            if (pidfds[i] > 0) {
                int closed = (int) CLOSE.invokeExact(pidfds[i]);
            }
        }
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), descriptor);
    }
}
