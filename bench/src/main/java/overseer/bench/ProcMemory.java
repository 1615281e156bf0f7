package overseer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's memory as the kernel accounts it: resident set (VmRSS, /proc/PID/status) and proportional set
 * (Pss, /proc/PID/smaps_rollup: shared pages divided among the processes that map them, so that N monitors of
 * one binary are not counted as N copies of its libraries).
 */
record ProcMemory(long pid, long rssKb, long pssKb) {
    static ProcMemory of(long pid) {
        return new ProcMemory(pid, field(Path.of("/proc/" + pid + "/status"), "VmRSS:"),
                field(Path.of("/proc/" + pid + "/smaps_rollup"), "Pss:"));
    }

    private static long field(Path file, String name) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(name)).findFirst()
                    .map(l -> Long.parseLong(l.substring(name.length()).strip().split("\\s+")[0]))
                    .orElseThrow(() -> new IllegalStateException(file + " has no " + name));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
