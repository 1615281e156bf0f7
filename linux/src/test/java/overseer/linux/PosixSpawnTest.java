package overseer.linux;

import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The posix_spawn helper carries a plan out on a real child. */
class PosixSpawnTest {
    @Test
    void aPlanRunsWithItsEnvironmentFilesAndGroup(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        SpawnPlan plan = new SpawnPlan("/bin/sh", List.of("sh", "-c", "echo \"$A $(cut -d\" \" -f5 /proc/$$/stat)\"; exit 3"),
                List.of("A=1", "PATH=/usr/bin:/bin"), List.of(
                new SpawnPlan.FileAction.Open(0, "/dev/null", SpawnPlan.OpenMode.READ),
                new SpawnPlan.FileAction.Open(1, out.toString(), SpawnPlan.OpenMode.WRITE_TRUNCATE),
                new SpawnPlan.FileAction.CloseFrom(3)), SpawnPlan.Group.NEW_GROUP);

        int pid = PosixSpawn.spawn(plan);

        assertThat(reap(pid)).as("exit code").isEqualTo(3);
        assertThat(Files.readString(out).trim()).isEqualTo("1 " + pid); // its own group, led by itself
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
    }

    @Test
    void aProgramThatCannotBeExecutedIsTheCallersMistakeNamingArgs0() {
        SpawnPlan plan = SpawnPlan.of(List.of("/nonexistent/program"), List.of(), SpawnPlan.Group.INHERIT);

        assertThatThrownBy(() -> PosixSpawn.spawn(plan)).isInstanceOfSatisfying(OverseerException.class, e -> {
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
