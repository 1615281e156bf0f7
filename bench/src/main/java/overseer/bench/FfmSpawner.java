package overseer.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * posix_spawn + waitpid called straight through FFM on the caller's thread, with the C loop's stdio and
 * empty environment: the JVM's own floor. Overseer minus this is what the runtime itself costs; this minus
 * the C loop is what being inside a JVM costs.
 */
final class FfmSpawner implements Spawner {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle POSIX_SPAWN = handle("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle WAITPID = handle("waitpid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ACTIONS_INIT = handle("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_ADDOPEN = handle("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACTIONS_DESTROY = handle("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final long ACTIONS_SIZE = 256; // glibc's posix_spawn_file_actions_t is 80 bytes on x86_64
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment actions = arena.allocate(ACTIONS_SIZE, 16);
    private final MemorySegment path = arena.allocateFrom("/bin/true");
    private final MemorySegment argv = arena.allocate(ADDRESS, 2);
    private final MemorySegment envp = arena.allocate(ADDRESS, 1);

    FfmSpawner() {
        argv.setAtIndex(ADDRESS, 0, path);
        argv.setAtIndex(ADDRESS, 1, MemorySegment.NULL);
        envp.setAtIndex(ADDRESS, 0, MemorySegment.NULL);
        MemorySegment devNull = arena.allocateFrom("/dev/null");
        try {
            check("posix_spawn_file_actions_init", (int) ACTIONS_INIT.invokeExact(actions));
            for (int fd = 0; fd <= 2; fd++) {
                check("posix_spawn_file_actions_addopen", (int) ACTIONS_ADDOPEN.invokeExact(actions, fd, devNull,
                        fd == 0 ? O_RDONLY : O_WRONLY, 0));
            }
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("cannot prepare posix_spawn file actions", t);
        }
    }

    @Override
    public void spawnAndWait() throws Exception {
        // The file actions are only read by posix_spawn, so every caller thread can share them.
        try (Arena call = Arena.ofConfined()) {
            MemorySegment pid = call.allocate(JAVA_INT);
            MemorySegment status = call.allocate(JAVA_INT);
            check("posix_spawn", (int) POSIX_SPAWN.invokeExact(pid, path, actions, MemorySegment.NULL, argv, envp));
            int child = pid.get(JAVA_INT, 0);
            if ((int) WAITPID.invokeExact(child, status, 0) != child) {
                throw new IllegalStateException("waitpid(" + child + ") failed");
            }
            if (status.get(JAVA_INT, 0) != 0) {
                throw new IllegalStateException("/bin/true ended with wait status " + status.get(JAVA_INT, 0));
            }
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new IllegalStateException(call + " returned error " + rc);
        }
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), descriptor);
    }

    @Override
    public void close() {
        try {
            int ignored = (int) ACTIONS_DESTROY.invokeExact(actions);
        } catch (Throwable t) {
            // the arena is freed below either way
        }
        arena.close();
    }
}
