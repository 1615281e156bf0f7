package overseer.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's start time in clock ticks since boot (/proc/PID/stat field 22). With the pid it names one
 * process for good: a recycled pid has another start time.
 */
final class ProcStart {
    private ProcStart() {
    }

    static long of(long pid) {
        if (pid <= 0) {
            return 0;
        }
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[19]); // field 22 counted from 1; the part after ')' starts at field 3
        } catch (IOException | RuntimeException e) {
            return 0; // gone already, or not Linux
        }
    }
}
