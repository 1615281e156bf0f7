package overseer.linux;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * One of Overseer's small programs: the module's build compiles src/main/c/NAME.c for its machine into the jar
 * ({@code overseer/linux/NAME-ARCH}), without libc. Here it is copied once per JVM into a sealed memfd, nothing
 * on disk, and run as {@code /proc/PID/fd/N}: this JVM's descriptor, so a child that closes its own copy before
 * the exec still runs it, the kernel opening the file through ours. Whoever uses one tries it once first, since a
 * kernel may refuse to execute a memfd (vm.memfd_noexec=2), and has a fallback for a jar built without a compiler
 * or for another machine.
 */
public enum BundledProgram {
    /** overseer-gate (gate.c): holds a process until it is placed in its cgroups ({@link Gate}). */
    GATE("gate"),
    /** overseer-unshare (unshare.c): runs an OCI runtime in a private mount namespace (the oci module). */
    UNSHARE("unshare"),
    /** overseer-monitor (monitor.c): runs an OCI runtime and watches the process it starts (the oci module). */
    MONITOR("monitor"),
    /** libspawn (spawn.c): not a program but a library this JVM loads, which spawns into a v2 cgroup ({@link CloneSpawn}). */
    SPAWN_LIBRARY("spawn");

    private static final System.Logger LOG = System.getLogger(BundledProgram.class.getName());

    private final String name;
    private Optional<String> path;

    BundledProgram(String name) {
        this.name = name;
    }

    /** The program's {@code /proc/PID/fd/N} path, or empty when this build has none for this machine or no memfd works. */
    public synchronized Optional<String> path() {
        if (path == null) {
            path = load();
        }
        return path;
    }

    /** What the program calls itself in messages: overseer-gate, overseer-unshare. */
    private String programName() {
        return "overseer-" + name;
    }

    private Optional<String> load() {
        String resource = name + "-" + System.getProperty("os.arch");
        byte[] program;
        try (InputStream in = BundledProgram.class.getResourceAsStream(resource)) {
            if (in == null) {
                LOG.log(Level.DEBUG, "this build has no " + resource + " (no C compiler, or another machine)");
                return Optional.empty();
            }
            program = in.readAllBytes();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read " + resource + ": " + e.getMessage());
            return Optional.empty();
        }
        int fd = -1;
        try {
            fd = memfd();
            write(fd, program);
            LibC.addSeals(fd, LibC.F_SEALS_ALL);
            return Optional.of("/proc/" + LibC.getpid() + "/fd/" + fd);
        } catch (LibC.Errno | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot load " + programName() + ": " + e.getMessage());
            LibC.close(fd);
            return Optional.empty();
        }
    }

    private int memfd() throws LibC.Errno {
        int flags = LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING;
        try {
            return LibC.memfdCreate(programName(), flags | LibC.MFD_EXEC);
        } catch (LibC.Errno e) {
            if (e.errno != Errnos.EINVAL) {
                throw e;
            }
            return LibC.memfdCreate(programName(), flags); // before Linux 6.3, where every memfd may be executed
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
}
