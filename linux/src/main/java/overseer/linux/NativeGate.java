package overseer.linux;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * overseer-gate as this JVM runs it ({@link BundledProgram#GATE}), once it has been tried: without it, gates
 * are {@link Gate.Shell}.
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
        Optional<Gate.Program> gate = BundledProgram.GATE.path().map(Gate.Program::new);
        try {
            if (gate.isEmpty() || runs(gate.get())) {
                return gate;
            }
            LOG.log(Level.WARNING, "overseer-gate does not run from a memfd here; /bin/sh gates");
        } catch (LibC.Errno | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot run overseer-gate: " + e.getMessage() + "; /bin/sh gates");
        }
        return Optional.empty();
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
