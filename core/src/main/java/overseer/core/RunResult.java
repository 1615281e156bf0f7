package overseer.core;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * How a {@link Runner}'s command ended and everything it wrote, complete: made once the command has exited
 * and both of its output streams have ended (zt-exec's {@code ProcessResult}).
 */
public final class RunResult {
    private final Exit exit;
    private final boolean timedOut;
    private final byte[] stdout;
    private final byte[] stderr;

    RunResult(Exit exit, boolean timedOut, byte[] stdout, byte[] stderr) {
        this.exit = exit;
        this.timedOut = timedOut;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** The exit, as Overseer reports every exit: code, signal, OOM kill, time. */
    public Exit exit() {
        return exit;
    }

    /** containerd's exit code: the status, or 128 + the signal number when a signal ended it. */
    public int exitCode() {
        return exit.exitCode();
    }

    /** Whether it exited 0. */
    public boolean success() {
        return exit.success();
    }

    /** The signal that ended it, if one did. */
    public Optional<Signal> signal() {
        return exit.signal();
    }

    /** Whether the memory limit's OOM killer ended it. */
    public boolean oomKilled() {
        return exit.oomKilled();
    }

    /** Whether the runner's timeout stopped it (or cut its output short). */
    public boolean timedOut() {
        return timedOut;
    }

    /** stdout as UTF-8 text (malformed bytes become U+FFFD). */
    public String stdout() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** stderr as UTF-8 text. */
    public String stderr() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** stdout exactly as written. */
    public byte[] stdoutBytes() {
        return stdout.clone();
    }

    /** stderr exactly as written. */
    public byte[] stderrBytes() {
        return stderr.clone();
    }

    /** Go's exec.ExitError words: "exit status 3", "signal: killed". */
    @Override
    public String toString() {
        return exit + (timedOut ? " (timed out)" : "") + ", " + stdout.length + " bytes of stdout, " + stderr.length
                + " bytes of stderr";
    }
}
