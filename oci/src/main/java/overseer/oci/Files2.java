package overseer.oci;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/** File helpers the JDK lacks. */
final class Files2 {
    private Files2() {
    }

    /**
     * Deletes {@code dir} and everything under it, never following a symbolic link (the default root holds
     * links such as bin → usr/bin) and never entering another file system: the task's binds live only in its
     * own mount namespace, so on the host a mount point is an empty directory; if something were mounted there
     * all the same, it is left alone rather than emptied.
     */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Object device = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    return Objects.equals(device, Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))
                            ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    try {
                        Files.deleteIfExists(d);
                    } catch (IOException notEmpty) {
                        // a skipped mount point, or a file that appeared meanwhile
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // What is left shows in the caller's own checks; cleaning up must not hide the real outcome.
        }
    }

    /**
     * {@link Files#createDirectories} without its exceptions on the way: it tries mkdir first and, for a directory
     * that exists or a parent that does not, makes and catches an exception inside, a stack trace each time. Those
     * were most of a task's create in a profile; here a stat answers first and parents are made from the top.
     */
    static void directories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            directories(parent);
        }
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir)) {
                throw raced;
            }
        }
    }

    /** The file's text without surrounding space, or empty if it is not there. */
    static java.util.Optional<String> read(Path file) {
        if (!Files.exists(file)) {
            return java.util.Optional.empty(); // a file not written yet (an exit file, mostly): a stat, not a thrown exception
        }
        try {
            return java.util.Optional.of(Files.readString(file).strip());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }
}
