package overseer.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads process facts from /proc. */
final class ProcFs {
    private static final Path PROC = Path.of("/proc");

    /** The fields of /proc/PID/stat that Overseer uses. */
    record Stat(long pid, String comm, char state, long ppid, long pgrp) {
    }

    private ProcFs() {
    }

    /** Every process on the host, as far as it can be read now (processes come and go while we look). */
    static List<Stat> all() {
        List<Stat> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    stat(Long.parseLong(name)).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return out;
    }

    static Optional<Stat> stat(long pid) {
        String s;
        try {
            s = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        } catch (IOException e) {
            return Optional.empty(); // exited meanwhile
        }
        // comm is in parentheses and may itself contain spaces and parentheses: cut at the last ')'.
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        if (open < 0 || close < 0) {
            return Optional.empty();
        }
        String[] rest = s.substring(close + 2).split(" ", 4);
        return Optional.of(new Stat(pid, s.substring(open + 1, close), rest[0].charAt(0),
                Long.parseLong(rest[1]), Long.parseLong(rest[2])));
    }
}
