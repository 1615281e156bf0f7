package overseer.linux;

import overseer.core.OverseerException;
import overseer.linux.SpawnPlan.FileAction;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;

/**
 * Carries out a {@link SpawnPlan} with libspawn ({@link CloneSpawn}) where it runs, else glibc's posix_spawn:
 * both clone(CLONE_VM|CLONE_VFORK) and exec (no fork of the JVM's address space, no JDK launcher), on the
 * calling thread, which matters: a child inherits the
 * calling thread's cgroup v1 membership and capability bounding set (see {@link Spawner}). The one way
 * Overseer starts a process, for tasks, for the daemon's monitor and for the helper programs the oci module
 * runs (the runtime, conmon, criu).
 *
 * <p>The caller owns the child: it must reap it (waitid) or hand it to someone who will.
 */
public final class PosixSpawn {
    private PosixSpawn() {
    }

    /**
     * Spawns {@code plan} and returns the child's pid. INVALID_ARGUMENT naming args[0] when the program
     * cannot be executed at all (missing, not executable, not a program); UNAVAILABLE when the host refuses
     * (no memory, too many processes); INTERNAL when glibc refuses a file action.
     */
    public static int spawn(SpawnPlan plan) {
        return CloneSpawn.works() ? CloneSpawn.spawn(plan, Optional.empty()) : glibc(plan);
    }

    /** The same with glibc's posix_spawn: where libspawn does not run, and to test one beside the other. */
    static int glibc(SpawnPlan plan) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(LibC.SPAWN_FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = a.allocate(LibC.SPAWNATTR_SIZE, 16);
            LibC.fileActionsInit(fa);
            LibC.attrInit(attr);
            try {
                for (FileAction action : plan.actions()) {
                    add(a, fa, action);
                }
                MemorySegment empty = a.allocate(LibC.SIGSET_SIZE, 8);
                MemorySegment all = a.allocate(LibC.SIGSET_SIZE, 8);
                LibC.sigemptyset(empty);
                LibC.sigfillset(all);
                short flags = (short) (LibC.POSIX_SPAWN_SETSIGDEF | LibC.POSIX_SPAWN_SETSIGMASK | switch (plan.group()) {
                    case INHERIT -> 0;
                    case NEW_GROUP -> LibC.POSIX_SPAWN_SETPGROUP;
                    // A new session; its group has the same id.
                    case NEW_SESSION -> LibC.POSIX_SPAWN_SETSID;
                });
                check("posix_spawnattr_setflags", LibC.attrSetFlags(attr, flags));
                check("posix_spawnattr_setpgroup", LibC.attrSetPgroup(attr, 0));
                check("posix_spawnattr_setsigmask", LibC.attrSetSigmask(attr, empty));
                check("posix_spawnattr_setsigdefault", LibC.attrSetSigdefault(attr, all));

                MemorySegment pidOut = a.allocate(ValueLayout.JAVA_INT);
                int rc = LibC.posixSpawn(pidOut, a.allocateFrom(plan.program()), fa, attr,
                        strings(a, plan.argv()), strings(a, plan.env()));
                if (rc != 0) {
                    throw spawnError(plan.program(), rc);
                }
                return pidOut.get(ValueLayout.JAVA_INT, 0);
            } finally {
                LibC.attrDestroy(attr);
                LibC.fileActionsDestroy(fa);
            }
        }
    }

    private static void add(Arena a, MemorySegment fa, FileAction action) {
        switch (action) {
            case FileAction.Open o -> check("posix_spawn_file_actions_addopen for fd " + o.fd(),
                    LibC.addOpen(fa, o.fd(), a.allocateFrom(o.path()), flags(o.mode()), 0600));
            case FileAction.Dup2 d -> check("posix_spawn_file_actions_adddup2 for fd " + d.to(),
                    LibC.addDup2(fa, d.from(), d.to()));
            case FileAction.Chdir c -> check("posix_spawn_file_actions_addchdir_np",
                    LibC.addChdir(fa, a.allocateFrom(c.dir())));
            case FileAction.TakeTerminal t -> check("posix_spawn_file_actions_addtcsetpgrp_np",
                    LibC.addTcsetpgrp(fa, t.terminalFd()));
            case FileAction.CloseFrom c -> check("posix_spawn_file_actions_addclosefrom_np",
                    LibC.addCloseFrom(fa, c.lowest()));
        }
    }

    /** 0600 applies only where the file is created: a task's output is its owner's, private from birth. */
    static int flags(SpawnPlan.OpenMode mode) {
        return switch (mode) {
            case READ -> LibC.O_RDONLY;
            case READ_WRITE -> LibC.O_RDWR;
            case WRITE -> LibC.O_WRONLY;
            case WRITE_TRUNCATE -> LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC;
            case WRITE_APPEND -> LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND;
        };
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw OverseerException.internal(call + ": " + Errnos.describe(rc), null);
        }
    }

    static OverseerException spawnError(String program, int errno) {
        if (Errnos.badProgram(errno)) {
            return OverseerException.notExecutable("cannot execute \"%s\": %s", program, Errnos.describe(errno));
        }
        return OverseerException.unavailable("posix_spawn of \"%s\" failed: %s", program, Errnos.describe(errno));
    }

    /** A NULL-terminated array of C strings, as argv and envp are given to posix_spawn. */
    static MemorySegment strings(Arena a, List<String> values) {
        MemorySegment array = a.allocate(ValueLayout.ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }
}
