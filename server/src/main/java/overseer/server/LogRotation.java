package overseer.server;

import overseer.wire.LogLimits;
import overseer.linux.LogFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * Keeps the daemon's task logs ({@code logs/NS/ID.out}, {@code .err}) within their {@link LogLimits}. A
 * native task writes its file itself (O_APPEND, so that it outlives the daemon), and no one can reopen it for
 * the task: past the limit, the head of the file, in whole blocks, is copied to {@code ID.out.1} (older ones
 * move up, the oldest beyond maxFiles is deleted) and then cut from the file in place
 * ({@link LogFiles#collapseHead}), which the kernel does atomically with the task's appends. No byte that
 * is not rotated out is lost: the kept files, oldest first, are the tail of the output.
 *
 * <p>Files are looked at every {@link #INTERVAL_MS} ms, so a file may pass its limit by what the task
 * writes in that time. A crash between the cut and the rename leaves the head in {@code ID.out.1.tmp}.
 * On a file system that cannot collapse (tmpfs, btrfs) the file is not rotated, and that is logged once.
 */
final class LogRotation implements AutoCloseable {
    static final long INTERVAL_MS = 500;
    private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path logs;
    private volatile LogLimits limits;
    private final ScheduledExecutorService timer;
    /** Per file: held for writing while names shift and the head is cut, for reading by a reader of it. */
    private final Map<Path, ReadWriteLock> locks = new ConcurrentHashMap<>();
    /** Per file: the bytes cut from its head since this daemon began, so a reader's offset stays right. */
    private final Map<Path, Long> cut = new ConcurrentHashMap<>();
    private final Set<Path> cannot = ConcurrentHashMap.newKeySet();
    /** A task's own limits (its spec's "logs"), by file; others have the daemon's. */
    private final Map<Path, LogLimits> own = new ConcurrentHashMap<>();

    LogRotation(Path logs, LogLimits limits) {
        this.logs = logs;
        this.limits = limits;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                .name("log-rotation").unstarted(r));
        timer.scheduleWithFixedDelay(this::sweep, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    LogLimits limits() {
        return limits;
    }

    void limits(LogLimits l) {
        limits = l;
    }

    /** {@code file} keeps {@code l} instead of the daemon's limits. */
    void limits(Path file, LogLimits l) {
        own.put(file.toAbsolutePath().normalize(), l);
    }

    ReadWriteLock lock(Path file) {
        return locks.computeIfAbsent(file.toAbsolutePath().normalize(), p -> new ReentrantReadWriteLock());
    }

    /** The bytes cut from {@code file}'s head so far: a reader at absolute offset A reads at A − cut. */
    long cut(Path file) {
        return cut.getOrDefault(file.toAbsolutePath().normalize(), 0L);
    }

    /** {@code file}'s rotated files that exist, oldest first. */
    java.util.List<Path> rotated(Path file) {
        java.util.List<Path> out = new java.util.ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            Path p = numbered(file, i);
            if (Files.exists(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private void sweep() {
        try (Stream<Path> namespaces = Files.list(logs)) {
            for (Path ns : namespaces.filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(ns)) {
                    for (Path f : files.filter(LogRotation::isLog).toList()) {
                        try {
                            rotate(f);
                        } catch (IOException | RuntimeException e) {
                            TaskService.warn("log rotation of " + f + ": " + e.getMessage());
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the directory is read again at the next sweep
        }
    }

    private static boolean isLog(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".out") || n.endsWith(".err");
    }

    /** Rotates {@code file} if it has passed its limit; returns whether it did. */
    boolean rotate(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        LogLimits l = own.getOrDefault(key, limits);
        if (cannot.contains(key) || !Files.isRegularFile(file) || Files.size(file) <= l.maxBytes()) {
            return false;
        }
        ReadWriteLock lock = lock(file);
        lock.writeLock().lock();
        try {
            long size = Files.size(file);
            long head = size / LogFiles.BLOCK * LogFiles.BLOCK;
            if (head == size) {
                head -= LogFiles.BLOCK; // a collapse must leave something of the file
            }
            if (head <= 0) {
                return false;
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".1.tmp");
            if (l.maxFiles() > 1) {
                try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                     FileChannel out = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE,
                             StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), PRIVATE)) {
                    for (long done = 0; done < head; ) {
                        done += in.transferTo(done, head - done, out);
                    }
                }
            }
            if (!LogFiles.collapseHead(file, head)) {
                Files.deleteIfExists(tmp);
                cannot.add(key);
                TaskService.warn(file + ": its file system cannot cut a file's head (fallocate COLLAPSE_RANGE):"
                        + " this log is not rotated and grows without bound");
                return false;
            }
            cut.merge(key, head, Long::sum);
            if (l.maxFiles() > 1) {
                Files.deleteIfExists(numbered(file, l.maxFiles() - 1));
                for (int i = l.maxFiles() - 2; i >= 1; i--) {
                    if (Files.exists(numbered(file, i))) {
                        Files.move(numbered(file, i), numbered(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.move(tmp, numbered(file, 1), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Removes {@code file}, the files rotated out of it and a head left half-moved, and forgets them: a deleted
     * task's output goes with it, as a removed container's json-file log does in docker. Held for writing, so no
     * reader is between two of its files and no rotation is moving them.
     */
    void remove(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        ReadWriteLock lock = lock(file);
        lock.writeLock().lock();
        try {
            // Rotation keeps ID.out.1 up to maxFiles - 1 (a crash may leave a gap below that); a limit lowered since
            // may have left more above it, which run on from there.
            int keeps = own.getOrDefault(key, limits).maxFiles();
            for (int i = 1; ; i++) {
                boolean was = Files.deleteIfExists(numbered(file, i));
                if (!was && i >= keeps) {
                    break;
                }
            }
            Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".1.tmp"));
            Files.deleteIfExists(file);
        } finally {
            own.remove(key);
            cut.remove(key);
            cannot.remove(key);
            locks.remove(key, lock);
            lock.writeLock().unlock();
        }
    }

    static Path numbered(Path file, int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
