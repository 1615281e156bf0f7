package overseer.oci;

import overseer.core.OverseerException;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A program run to completion (the runtime's command line, criu), spawned through posix_spawn. Its stdout is
 * read to the end, then its stderr: the programs run here write at most a few lines of diagnostics, far
 * below a pipe's 64 KiB, so the child can never block on a full stderr while stdout is read.
 */
final class Program {
    /** The environment of every helper: a PATH and nothing of Overseer's own. */
    static final String[] ENV = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};

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
        int[] out = null;
        int[] err = null;
        try {
            out = LibC.pipe();
            err = LibC.pipe();
            int pid = LibC.spawn(argv.toArray(String[]::new), ENV, null, new int[] {-1, out[1], err[1]});
            LibC.close(out[1]);
            out[1] = -1;
            LibC.close(err[1]);
            err[1] = -1;
            byte[] stdout = LibC.readAll(out[0]);
            byte[] stderr = LibC.readAll(err[0]);
            return new Result(argv, exitCode(LibC.waitpid(pid)), new String(stdout, StandardCharsets.UTF_8),
                    new String(stderr, StandardCharsets.UTF_8));
        } catch (LibC.Errno e) {
            throw OverseerException.internal("cannot run " + argv.getFirst() + ": " + e.getMessage(), e);
        } finally {
            for (int[] p : new int[][] {out, err}) {
                if (p != null) {
                    LibC.close(p[0]);
                    LibC.close(p[1]);
                }
            }
        }
    }

    /** The shell's convention: the exit status, or 128 + the signal that killed it. */
    static int exitCode(int waitStatus) {
        int signal = waitStatus & 0x7f;
        return signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
    }
}
