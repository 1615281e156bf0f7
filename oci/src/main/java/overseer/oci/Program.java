package overseer.oci;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.linux.Child;
import overseer.linux.Descriptors;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A program run to completion (the runtime's command line, criu), spawned through linux's posix_spawn and
 * waited for through a pidfd. Its stdout is
 * read to the end, then its stderr: the programs run here write at most a few lines of diagnostics, far
 * below a pipe's 64 KiB, so the child can never block on a full stderr while stdout is read.
 */
final class Program {
    /** At DEBUG, every command line run and how long it took. */
    private static final System.Logger LOG = System.getLogger(Program.class.getName());
    /** The environment of every helper: a PATH and nothing of Overseer's own. */
    static final List<String> ENV = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    private Program() {
    }

    /** How a command ended and what it wrote. */
    record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        /** The most telling line: runc and crun put their error on the last line of stderr. */
        String error() {
            String text = (stderr.isBlank() ? stdout : stderr).strip();
            int nl = text.lastIndexOf('\n');
            return nl < 0 ? text : text.substring(nl + 1);
        }

        /** INTERNAL naming the command and its error, for failures nobody could have prevented. */
        OverseerException failure() {
            return OverseerException.internal(String.join(" ", argv.subList(Math.max(0, argv.size() - 3), argv.size()))
                    + " failed (exit " + exitCode + "): " + error(), null);
        }
    }

    static Result run(List<String> argv) {
        long start = System.nanoTime();
        int[] out = null;
        int[] err = null;
        try {
            out = Descriptors.pipe();
            err = Descriptors.pipe();
            Exit exit;
            byte[] stdout;
            byte[] stderr;
            try (Child child = Child.spawn(argv, ENV, Optional.empty(), Child.DEV_NULL, out[1], err[1])) {
                Descriptors.close(out[1]);
                out[1] = -1;
                Descriptors.close(err[1]);
                err[1] = -1;
                stdout = Descriptors.readAll(out[0]);
                stderr = Descriptors.readAll(err[0]);
                exit = child.awaitExit();
            }
            int code = exit.exitCode();
            LOG.log(System.Logger.Level.DEBUG, () -> String.format("%s: exit %d in %.1f ms", String.join(" ", argv),
                    code, (System.nanoTime() - start) / 1e6));
            return new Result(argv, code, new String(stdout, StandardCharsets.UTF_8),
                    new String(stderr, StandardCharsets.UTF_8));
        } catch (OverseerException e) {
            throw OverseerException.internal("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        } finally {
            Descriptors.closeAll(out, err);
        }
    }
}
