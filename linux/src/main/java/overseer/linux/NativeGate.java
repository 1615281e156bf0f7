package overseer.linux;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;

/**
 * overseer-gate as this JVM runs it: the module's build compiles src/main/c/gate.c for its machine into the jar
 * ({@code overseer/linux/gate-ARCH}); here it is copied once into a sealed memfd, nothing on disk, which every
 * gated spawn execs as {@code /proc/PID/fd/N} (this JVM's descriptor: the child closes its own copy before the
 * exec, the kernel opens the file through ours). It is tried once before use, since a kernel may refuse to execute
 * a memfd (vm.memfd_noexec=2) and a jar may have been built elsewhere: without it, gates are {@link Gate.Shell}.
 */
final class NativeGate {
    private static final System.Logger LOG = System.getLogger(NativeGate.class.getName());
    /** What the gate exits with when it has no go-ahead to read: it ran, and ran nothing. */
    private static final int NO_GO = 125;
    private static final Optional<Gate.Program> LOADED = load();

    private NativeGate() {
    }

    static Optional<Gate.Program> loaded() {
        return LOADED;
    }

    private static Optional<Gate.Program> load() {
        String resource = "gate-" + System.getProperty("os.arch");
        byte[] program;
        try (InputStream in = NativeGate.class.getResourceAsStream(resource)) {
            if (in == null) {
                LOG.log(Level.DEBUG, "this build has no " + resource + " (no C compiler, or another machine): /bin/sh gates");
                return Optional.empty();
            }
            program = in.readAllBytes();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read " + resource + ": " + e.getMessage() + "; /bin/sh gates");
            return Optional.empty();
        }
        int fd = -1;
        try {
            fd = memfd();
            write(fd, program);
            LibC.addSeals(fd, LibC.F_SEALS_ALL);
            Gate.Program gate = new Gate.Program("/proc/" + LibC.getpid() + "/fd/" + fd);
            if (runs(gate)) {
                return Optional.of(gate);
            }
            LOG.log(Level.WARNING, "overseer-gate does not run from a memfd here; /bin/sh gates");
        } catch (LibC.Errno | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot load overseer-gate: " + e.getMessage() + "; /bin/sh gates");
        }
        LibC.close(fd);
        return Optional.empty();
    }

    private static int memfd() throws LibC.Errno {
        int flags = LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING;
        try {
            return LibC.memfdCreate("overseer-gate", flags | LibC.MFD_EXEC);
        } catch (LibC.Errno e) {
            if (e.errno != Errnos.EINVAL) {
                throw e;
            }
            return LibC.memfdCreate("overseer-gate", flags); // before Linux 6.3, where every memfd may be executed
        }
    }

    private static void write(int fd, byte[] bytes) throws LibC.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
            long done = 0;
            while (done < bytes.length) {
                done += LibC.write(fd, buf.asSlice(done), bytes.length - done);
            }
        }
    }

    /** Run without a descriptor 3, the gate must exit 125 at once, having run nothing. */
    private static boolean runs(Gate.Program gate) throws LibC.Errno {
        int pid = PosixSpawn.spawn(SpawnPlan.of(List.of(gate.path(), "/bin/true"), List.of(), SpawnPlan.Group.NEW_GROUP));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED); // our child, unreaped: its pid names it alone
            return Child.exitOf(info).exitCode() == NO_GO;
        }
    }
}
