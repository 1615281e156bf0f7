package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Both ways of spawning carry a plan out on a real child, the same way: glibc's posix_spawn and libspawn. */
class PosixSpawnTest {
    enum Mechanism {
        GLIBC, LIBSPAWN;

        int spawn(SpawnPlan plan) {
            if (this == GLIBC) {
                return PosixSpawn.glibc(plan);
            }
            assumeTrue(CloneSpawn.works(), "libspawn does not run here (built for x86_64 with a C compiler, Linux 5.9+)");
            return CloneSpawn.spawn(plan, Optional.empty());
        }
    }

    @Test
    void libspawnIsWhatSpawnsWhereItRuns() {
        assumeTrue(LibC.cloneSpawnLoaded(), "this build has no libspawn for " + System.getProperty("os.arch"));
        assertThat(CloneSpawn.works()).as("libspawn runs on this kernel").isTrue();
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void aPlanRunsWithItsEnvironmentFilesAndGroup(Mechanism m, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        SpawnPlan plan = new SpawnPlan("/bin/sh", List.of("sh", "-c", "echo \"$A $(cut -d\" \" -f5 /proc/$$/stat)\"; exit 3"),
                List.of("A=1", "PATH=/usr/bin:/bin"), List.of(
                new SpawnPlan.FileAction.Open(0, "/dev/null", SpawnPlan.OpenMode.READ),
                new SpawnPlan.FileAction.Open(1, out.toString(), SpawnPlan.OpenMode.WRITE_TRUNCATE),
                new SpawnPlan.FileAction.CloseFrom(3)), SpawnPlan.Group.NEW_GROUP);

        int pid = m.spawn(plan);

        assertThat(reap(pid)).as("exit code").isEqualTo(3);
        assertThat(Files.readString(out).trim()).isEqualTo("1 " + pid); // its own group, led by itself
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
    }

    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void aProgramThatCannotBeExecutedIsTheCallersMistakeNamingArgs0(Mechanism m) {
        SpawnPlan plan = SpawnPlan.of(List.of("/nonexistent/program"), List.of(), SpawnPlan.Group.INHERIT);

        assertThatThrownBy(() -> m.spawn(plan)).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith("args[0]: cannot execute \"/nonexistent/program\": ENOENT");
        });
    }

    private static int reap(int pid) throws LibC.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED);
            return info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_STATUS);
        }
    }
}
