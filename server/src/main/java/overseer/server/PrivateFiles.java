package overseer.server;

import overseer.core.OverseerException;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The daemon's files are its owner's only, from the moment they exist (never created open and chmod-ed
 * after: under umask 000 that window is a leak). Existing ones are narrowed too.
 */
final class PrivateFiles {
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {
    }

    /** Creates {@code dir} (and missing parents) as 0700, or narrows it to 0700. */
    static Path directory(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Path parent = dir.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    Files.createDirectories(parent);
                }
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
                } catch (FileAlreadyExistsException raced) {
                    // made meanwhile: narrowed below
                }
            }
            Files.setPosixFilePermissions(dir, DIR);
            return dir;
        } catch (IOException e) {
            throw OverseerException.unavailable("%s: cannot make it private: %s", dir, e.getMessage());
        }
    }

    /** Creates an empty {@code file} as 0600, or narrows it to 0600. */
    static Path file(Path file) {
        try {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
            } catch (FileAlreadyExistsException exists) {
                Files.setPosixFilePermissions(file, FILE);
            }
            return file;
        } catch (IOException e) {
            throw OverseerException.unavailable("%s: cannot make it private: %s", file, e.getMessage());
        }
    }

    /** A new 0700 directory in {@code parent} (made if missing), for a file that must be private before it is seen. */
    static Path stagingDirectory(Path parent) {
        try {
            Files.createDirectories(parent);
            return Files.createTempDirectory(parent, ".overseer-", PosixFilePermissions.asFileAttribute(DIR));
        } catch (IOException e) {
            throw OverseerException.unavailable("%s: cannot make a private directory in it: %s", parent, e.getMessage());
        }
    }

    /** Removes each path if it is there, the first ones first; what cannot be removed stays. */
    static void deleteQuietly(Path... paths) {
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // left behind: harmless, and the next start removes the stale socket anyway
            }
        }
    }
}
