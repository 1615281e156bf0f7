package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The start time read from /proc/PID/stat as bytes, the way every spawn reads it. */
class ProcFsTest {
    @Test
    void theStartTimeIsField22CountedFromTheLastParenthesis() {
        // comm "a) b (c": spaces and parentheses of its own; fields 3..21 are 3..21, field 22 is 4242.
        StringBuilder line = new StringBuilder("77 (a) b (c) S");
        for (int field = 4; field <= 21; field++) {
            line.append(' ').append(field);
        }
        line.append(" 4242 23 24\n");
        assertThat(field22(line.toString())).hasValue(4242);
    }

    @Test
    void aLineCutShortOrWithoutACommHasNoStartTime() {
        assertThat(field22("77 (true) S 1 2 3")).isEmpty();
        assertThat(field22("77 true S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20")).isEmpty();
        assertThat(field22("")).isEmpty();
    }

    @Test
    void theStartTimeOfARealProcessWhoseNameHoldsParenthesesAndSpaces(@TempDir Path dir) throws Exception {
        Path odd = dir.resolve("a) b (c");
        Files.createSymbolicLink(odd, Path.of("/bin/sleep")); // comm is the name the program was run by
        // No pipes: a process's unclosed pipe is closed by the JVM's Cleaner whenever a collection finds it, which
        // could be inside another test's window of exhausted descriptors (SpawnFailureTest).
        Process p = new ProcessBuilder(odd.toString(), "30").inheritIO().start();
        try {
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            List<String> after = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
            assertThat(stat).contains("(a) b (c)");
            assertThat(ProcFs.startTimeEvenIfZombie(p.pid())).hasValue(Long.parseLong(after.get(22 - 3)));
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(ProcFs.startTimeEvenIfZombie(p.pid())).as("reaped: no such process").isEmpty();
    }

    private static OptionalLong field22(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            return ProcFs.startTimeField(s, bytes.length);
        }
    }
}
