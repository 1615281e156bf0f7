package overseer.server;

import overseer.core.LogRecord;
import overseer.core.LogSink;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A terminal's output appended to a file as it came, so that the logs route serves it like any other. */
final class RawFileSink implements LogSink {
    private final OutputStream out;

    RawFileSink(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        // 0600 from open(2) on: a terminal's output is as private as any task's
        out = java.nio.channels.Channels.newOutputStream(Files.newByteChannel(file,
                java.util.EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))));
    }

    @Override
    public synchronized void accept(LogRecord r) {
        try {
            out.write(r.payload());
            if (!r.partial()) {
                out.write('\n');
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
