package overseer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The daemon's JVM is not a verb's: the launcher starts every JVM with C1 alone (-XX:TieredStopAtLevel=1, right
 * for a verb that lives milliseconds), and the monitor keeps that, but the daemon it spawns compiles with C2.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DaemonJvmIT {
    @TempDir
    Path dir;

    @Test
    void theDaemonCompilesWithC2WhileItsMonitorStaysOnC1() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the daemon makes cgroups for its tasks, which needs root");
        try (RealDaemon d = new RealDaemon(dir, "--runtime", "native")) {
            d.start();
            long daemon = d.pid();
            long monitor = d.monitor().pid();

            assertThat(cmdline(monitor)).contains("-XX:TieredStopAtLevel=1");
            assertThat(cmdline(daemon)).doesNotContain("-XX:TieredStopAtLevel=1").contains("--serve");
            assertThat(threads(daemon)).as("the daemon's threads").anyMatch(t -> t.startsWith("C2 CompilerThre"));
            assertThat(threads(monitor)).as("the monitor's threads").noneMatch(t -> t.startsWith("C2 CompilerThre"));
        }
    }

    private static List<String> cmdline(long pid) throws IOException {
        return List.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0"));
    }

    private static List<String> threads(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip();
                } catch (IOException gone) {
                    return "";
                }
            }).toList();
        }
    }
}
