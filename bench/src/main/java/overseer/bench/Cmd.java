package overseer.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A peer's command line run to its end, its output in files rather than pipes: a daemonized child (conmon, a
 * containerd shim) that inherited a pipe would keep the reader waiting until it exits.
 *
 * @param argv    what was run
 * @param exit    its exit status
 * @param nanos   spawn to exit, as seen from this JVM (ProcessBuilder's launch included)
 * @param out     its stdout
 * @param err     its stderr
 */
record Cmd(List<String> argv, int exit, long nanos, String out, String err) {
    private static final File DEV_NULL = new File("/dev/null");

    static Cmd run(Path scratch, List<String> argv) {
        try {
            Files.createDirectories(scratch);
            Path out = Files.createTempFile(scratch, "out", ".txt");
            Path err = Files.createTempFile(scratch, "err", ".txt");
            try {
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder(argv).redirectInput(DEV_NULL).redirectOutput(out.toFile())
                        .redirectError(err.toFile()).start();
                int exit = p.waitFor();
                long nanos = System.nanoTime() - t0;
                return new Cmd(List.copyOf(argv), exit, nanos, Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + argv + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + argv, e);
        }
    }

    static Cmd run(Path scratch, String... argv) {
        return run(scratch, List.of(argv));
    }

    /** This result, or an exception naming the command, its status and its stderr. */
    Cmd orThrow() {
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", argv) + " exited " + exit + ": " + err.strip());
        }
        return this;
    }
}
