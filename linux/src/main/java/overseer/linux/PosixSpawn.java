package overseer.linux;

import overseer.core.OverseerException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * posix_spawn of a helper program (a monitor's daemon, the OCI runtime, conmon, criu): the child's
 * descriptors as given and every other one closed, an empty signal mask and default dispositions (the JVM
 * blocks and handles signals a child must not inherit), the environment exactly as given, and a pidfd for
 * it before anything else can happen to its pid. Task processes are spawned by {@link NativeProcess}, which
 * adds output pipes, terminals, cgroup placement and credentials.
 */
public final class PosixSpawn {
    /** In {@code fds}: the child keeps the parent's descriptor of that number. */
    public static final int INHERIT = -2;
    /** In {@code fds}: the child's descriptor of that number is /dev/null. */
    public static final int DEV_NULL = -1;

    private PosixSpawn() {
    }

    /**
     * Spawns {@code argv} (its first element a path) with {@code env} ({@code NAME=VALUE}) in {@code dir}.
     * {@code fds[i]} becomes the child's descriptor i ({@link #DEV_NULL}, {@link #INHERIT}, or a descriptor of
     * ours at or above {@code fds.length}, so that no dup2 lands on itself and keeps close-on-exec). With
     * {@code ownGroup} the child leads a new process group. UNAVAILABLE when the kernel refuses.
     */
    public static Child spawn(List<String> argv, List<String> env, Optional<Path> dir, int[] fds, boolean ownGroup) {
        int pid;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(LibC.SPAWN_FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = a.allocate(LibC.SPAWNATTR_SIZE, 16);
            check("posix_spawn_file_actions_init", LibC.fileActionsInit(fa));
            check("posix_spawnattr_init", LibC.attrInit(attr));
            try {
                MemorySegment empty = a.allocate(LibC.SIGSET_SIZE, 8);
                MemorySegment all = a.allocate(LibC.SIGSET_SIZE, 8);
                LibC.sigemptyset(empty);
                LibC.sigfillset(all);
                short flags = (short) (LibC.POSIX_SPAWN_SETSIGDEF | LibC.POSIX_SPAWN_SETSIGMASK
                        | (ownGroup ? LibC.POSIX_SPAWN_SETPGROUP : 0));
                check("posix_spawnattr_setflags", LibC.attrSetFlags(attr, flags));
                check("posix_spawnattr_setpgroup", LibC.attrSetPgroup(attr, 0));
                check("posix_spawnattr_setsigmask", LibC.attrSetSigmask(attr, empty));
                check("posix_spawnattr_setsigdefault", LibC.attrSetSigdefault(attr, all));
                MemorySegment devNull = a.allocateFrom("/dev/null");
                for (int i = 0; i < fds.length; i++) {
                    if (fds[i] == DEV_NULL) {
                        check("posix_spawn_file_actions_addopen",
                                LibC.addOpen(fa, i, devNull, i == 0 ? LibC.O_RDONLY : LibC.O_WRONLY, 0));
                    } else if (fds[i] != INHERIT) {
                        check("posix_spawn_file_actions_adddup2", LibC.addDup2(fa, fds[i], i));
                    }
                }
                check("posix_spawn_file_actions_addclosefrom_np", LibC.addCloseFrom(fa, Math.max(3, fds.length)));
                if (dir.isPresent()) {
                    check("posix_spawn_file_actions_addchdir_np", LibC.addChdir(fa, a.allocateFrom(dir.get().toString())));
                }
                MemorySegment pidOut = a.allocate(ValueLayout.JAVA_INT);
                int rc = LibC.posixSpawn(pidOut, a.allocateFrom(argv.getFirst()), fa, attr, NativeProcess.strings(a, argv),
                        NativeProcess.strings(a, env));
                if (rc != 0) {
                    throw OverseerException.unavailable("posix_spawn of \"%s\" failed: %s (%s)", argv.getFirst(),
                            Errnos.name(rc), LibC.strerror(rc));
                }
                pid = pidOut.get(ValueLayout.JAVA_INT, 0);
            } finally {
                LibC.attrDestroy(attr);
                LibC.fileActionsDestroy(fa);
            }
        }
        // Our unreaped child: until we reap it, the pid cannot name another process.
        return new Child(pid, Pidfd.open(pid).orElseThrow(() -> OverseerException.internal(
                "cannot open a pidfd for child " + pid, null)));
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw OverseerException.internal(call + ": " + Errnos.name(rc) + " (" + LibC.strerror(rc) + ")", null);
        }
    }
}
