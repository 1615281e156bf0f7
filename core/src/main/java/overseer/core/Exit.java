package overseer.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How a process ended. {@code exitCode} follows containerd: the process's own status when it exited,
 * 128 + the signal number when a signal killed it. Rendered as Lambda words it, which is Go's
 * {@code exec.ExitError.Error()}: "exit status 3", "signal: killed", "signal: terminated".
 *
 * @param exitCode  the exit status, or 128 + signal
 * @param signal    the signal that killed the process, if one did
 * @param oomKilled whether the kernel's OOM killer ended it
 * @param exitedAt  when Overseer observed the exit, to the millisecond
 */
public record Exit(int exitCode, Optional<Signal> signal, boolean oomKilled, Instant exitedAt) {
    public Exit {
        Objects.requireNonNull(signal, "signal");
        // Milliseconds, as the state store keeps it: the time a client sees never changes when it is read back.
        exitedAt = Objects.requireNonNull(exitedAt, "exitedAt").truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    public static Exit exited(int status, Instant at) {
        return new Exit(status, Optional.empty(), false, at);
    }

    public static Exit killed(Signal signal, boolean oomKilled, Instant at) {
        return new Exit(128 + signal.number(), Optional.of(signal), oomKilled, at);
    }

    /**
     * A process that ended while no Overseer watched it and whose status nobody can tell (it was not our
     * child any more): exit code -1. Recorded as exactly that; never guessed.
     */
    public static Exit unknown(Instant at) {
        return new Exit(-1, Optional.empty(), false, at);
    }

    /** Whether the status is known (see {@link #unknown}). */
    public boolean known() {
        return exitCode >= 0;
    }

    public boolean success() {
        return exitCode == 0 && signal.isEmpty();
    }

    /**
     * Lambda's wording (ProcessTermination.String() in its supervisor model), which is what Go's
     * exec.ExitError.Error() prints: "exit status 3", "signal: killed".
     */
    @Override
    public String toString() {
        if (!known()) {
            return "exit status unknown";
        }
        return signal.map(s -> "signal: " + s.words()).orElse("exit status " + exitCode);
    }
}
