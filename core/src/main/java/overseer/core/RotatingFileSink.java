package overseer.core;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes records as k8s-file lines and rotates by size: before a write would take the file past
 * {@code maxBytes}, path.(n-1) becomes path.n, ..., path becomes path.1, and a new path is started; the
 * oldest beyond {@code maxFiles} is deleted. With maxFiles 0 the file is simply truncated.
 */
public final class RotatingFileSink implements LogSink {
    private final LogConfig.FileSink config;
    private OutputStream out;
    private long size;

    public RotatingFileSink(LogConfig.FileSink config) {
        this.config = config;
        try {
            Path parent = config.path().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            open(StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw OverseerException.invalidArgument("logs.file.path: cannot open \"%s\": %s", config.path(), e.getMessage());
        }
    }

    @Override
    public synchronized void accept(LogRecord record) {
        byte[] line = KubeLogFormat.format(record).getBytes(StandardCharsets.UTF_8);
        try {
            if (size > 0 && size + line.length > config.maxBytes()) {
                rotate();
            }
            out.write(line);
            out.flush();
            size += line.length;
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + config.path(), e);
        }
    }

    private void rotate() throws IOException {
        out.close();
        Path path = config.path();
        int keep = config.maxFiles();
        if (keep > 0) {
            Files.deleteIfExists(numbered(keep));
            for (int i = keep - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) {
                    Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open(StandardOpenOption.TRUNCATE_EXISTING);
    }

    private Path numbered(int n) {
        return config.path().resolveSibling(config.path().getFileName() + "." + n);
    }

    private void open(StandardOpenOption mode) throws IOException {
        out = Files.newOutputStream(config.path(), StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
        size = Files.size(config.path());
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing " + config.path(), e);
        }
    }
}
