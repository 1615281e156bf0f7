package overseer.linux;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes cgroup interface files. Each write is one write(2) of the whole value, which is what the
 * kernel expects; a file that holds "key value" lines (cpu.stat, memory.events) is read as a map.
 */
final class CgroupFs {
    private CgroupFs() {
    }

    static void write(Path file, String value) throws IOException {
        Files.writeString(file, value);
    }

    static String read(Path file) throws IOException {
        return Files.readString(file).strip();
    }

    /** The file's value, or empty when the file is missing (an older kernel, a controller not there). */
    static Optional<String> readIfExists(Path file) {
        try {
            return Optional.of(read(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A number, or {@code orElse} when the file is missing; "max" (cgroup v2's unlimited) reads as -1. */
    static long readLong(Path file, long orElse) {
        return readIfExists(file).map(CgroupFs::parseLong).orElse(orElse);
    }

    static long parseLong(String v) {
        String s = v.strip();
        return "max".equals(s) ? -1 : Long.parseLong(s);
    }

    /** "key value" lines: cpu.stat, memory.events, memory.oom_control, cgroup.events. */
    static Map<String, Long> readKeyed(Path file) {
        Map<String, Long> out = new LinkedHashMap<>();
        readIfExists(file).ifPresent(text -> text.lines().forEach(line -> {
            String[] kv = line.strip().split("\\s+");
            if (kv.length == 2) {
                try {
                    out.put(kv[0], parseLong(kv[1]));
                } catch (NumberFormatException e) {
                    // not a counter (e.g. a word): not ours to read
                }
            }
        }));
        return out;
    }

    /** The pids listed in a cgroup.procs (or tasks) file. */
    static List<Long> pids(Path procs) {
        return readIfExists(procs).map(t -> t.lines().map(String::strip).filter(l -> !l.isEmpty())
                .map(Long::parseLong).toList()).orElse(List.of());
    }

    /** The kernel's words for a failed write ("Invalid argument", "Device or resource busy"). */
    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage();
    }
}
