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

    /**
     * {@link #write} through open(2) and one write(2), so that a refusal keeps the kernel's errno (EINVAL for
     * a value out of range, EBUSY for a change the cgroup's state forbids) rather than only its words.
     * Creates the file (0600) where it is missing: a fake tree in tests; the kernel's files always exist.
     */
    static void writeOrErrno(Path file, String value) throws LibC.Errno {
        byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int fd = LibC.open(file.toString(), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_TRUNC, 0600);
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment buf = a.allocate(Math.max(1, bytes.length));
            java.lang.foreign.MemorySegment.copy(bytes, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            LibC.write(fd, buf, bytes.length);
        } finally {
            LibC.close(fd);
        }
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
