package overseer.linux;

import overseer.core.Exit;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The exit of a process a previous Overseer started: not our child (as a rule), so its status is not ours
 * to read with waitid; the daemon's monitor, its reaper, records it in the exits directory just after the
 * exit. The file read for the process stays until the exit was reported (and so recorded) or the process
 * is released, so that no crash in between loses it.
 */
final class AdoptedExit {
    /** How long an adopted process's exit file is waited for after it ended: the monitor writes it at once. */
    static final Duration PATIENCE = Duration.ofSeconds(5);

    private final Host host;
    private volatile long[] file; // (pid, start time) of the exit file read for this process

    AdoptedExit(Host host) {
        this.host = host;
    }

    /** The exit the monitor recorded for (pid, start time), read from the exits directory; empty if none comes. */
    static Optional<Exit> recorded(Host host, long pid, long startTime) {
        return host.exitDir().flatMap(d -> ExitFiles.await(d, pid, startTime, PATIENCE));
    }

    /**
     * The process ended: off the loop thread, its recorded exit (unknown when no file ever appears), through
     * {@code oom} (the OOM killer's SIGKILL told apart), goes to {@code report}, then its file goes.
     */
    void take(long pid, long startTime, UnaryOperator<Exit> oom, Consumer<Exit> report) {
        Thread.ofVirtual().name("overseer-exit-" + pid).start(() -> {
            keep(pid, startTime);
            report.accept(recorded(host, pid, startTime).map(oom).orElseGet(() -> Exit.unknown(Instant.now())));
            forget(); // reported, so recorded: as a child is reaped only after its exit is
        });
    }

    /** The exit file of (pid, start time) is removed by {@link #forget}, after the exit was reported. */
    void keep(long pid, long startTime) {
        file = new long[] {pid, startTime};
    }

    /** The exit read from the exits directory was reported (and so recorded), or the process released: its file goes. */
    void forget() {
        long[] f = file;
        if (f != null) {
            host.exitDir().ifPresent(d -> ExitFiles.forget(d, f[0], f[1]));
            file = null;
        }
    }
}
