package overseer.linux;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.Signal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The exits directory: one file per process whose exit the monitor collected because its daemon was not
 * there to (see docs/daemon.md, "Durability: the monitor"). A file is named {@code <pid>-<starttime>}
 * (start time in clock ticks since boot, /proc/PID/stat field 22), which names one process for good, and
 * holds {@link Exit}'s meaning as lines: {@code exitCode=} (the status, or 128 + signal), {@code signal=}
 * (the number, only when a signal killed it) and {@code exitedAt=} (ISO-8601).
 */
public final class ExitFiles {
    private static final String TEMP_PREFIX = ".tmp-";

    private ExitFiles() {
    }

    /** The file that holds (or will hold) the exit of the process {@code pid} started at {@code startTime}. */
    public static Path file(Path dir, long pid, long startTime) {
        return dir.resolve(pid + "-" + startTime);
    }

    /**
     * Writes an exit so that a reader sees all of it or nothing, and a crash right after leaves it on disk:
     * a temporary file in the same directory (0600), fsync, rename, fsync of the directory (0700).
     */
    public static void write(Path dir, long pid, long startTime, Exit exit) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path target = file(dir, pid, startTime);
        Path temp = dir.resolve(TEMP_PREFIX + target.getFileName());
        StringBuilder text = new StringBuilder().append("exitCode=").append(exit.exitCode()).append('\n');
        exit.signal().ifPresent(s -> text.append("signal=").append(s.number()).append('\n'));
        text.append("exitedAt=").append(exit.exitedAt()).append('\n');
        try (FileChannel ch = FileChannel.open(temp, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself survives a crash
        }
    }

    /** The exit recorded for the process, if a file holds it; a damaged file is INTERNAL, naming it. */
    static Optional<Exit> read(Path dir, long pid, long startTime) {
        Path f = file(dir, pid, startTime);
        String text;
        try {
            text = Files.readString(f, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw OverseerException.internal("cannot read the exit file " + f + ": " + e.getMessage(), e);
        }
        Map<String, String> fields = new HashMap<>();
        text.lines().forEach(l -> {
            int eq = l.indexOf('=');
            if (eq > 0) {
                fields.put(l.substring(0, eq), l.substring(eq + 1));
            }
        });
        try {
            int code = Integer.parseInt(fields.get("exitCode"));
            Instant at = Instant.parse(fields.get("exitedAt"));
            Optional<Signal> signal = Optional.ofNullable(fields.get("signal")).map(s -> Signal.of(Integer.parseInt(s)));
            return Optional.of(new Exit(code, signal, false, at));
        } catch (RuntimeException e) {
            throw OverseerException.internal("the exit file " + f + " is damaged: \"" + text.strip() + "\"", e);
        }
    }

    /**
     * {@link #read} until the file appears or {@code patience} has passed: the monitor writes it just after
     * the exit, which the reader may see first. The file stays until {@link #forget}: a daemon killed after it
     * read the exit and before the store had it leaves it for the next one to read again.
     */
    static Optional<Exit> await(Path dir, long pid, long startTime, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            Optional<Exit> e = read(dir, pid, startTime);
            if (e.isPresent()) {
                return e;
            }
            if (System.nanoTime() > deadline) {
                return Optional.empty();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** The exit was recorded where it is kept (the task is deleted): its file goes. */
    static void forget(Path dir, long pid, long startTime) {
        try {
            Files.deleteIfExists(file(dir, pid, startTime));
        } catch (IOException ignored) {
            // a leftover is pruned by the monitor
        }
    }

    /** Removes exit files (and temporaries) older than {@code age}: exits nobody came for, such as a task's orphans. */
    public static void prune(Path dir, Duration age) {
        Instant before = Instant.now().minus(age);
        try (var files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException gone) {
                    // taken meanwhile
                }
            }
        } catch (IOException noDir) {
            // nothing written yet
        }
    }
}
