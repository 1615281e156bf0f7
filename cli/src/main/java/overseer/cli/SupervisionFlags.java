package overseer.cli;

import overseer.core.Durations;
import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.supervisor.Backoff;
import overseer.supervisor.JobOptions;
import overseer.supervisor.RestartPolicy;
import overseer.wire.Supervision;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Optional;

/** How `overseer run` supervises its command: restarts, a time limit, the stop signal and its grace. */
final class SupervisionFlags {
    @Option(names = "--restart", defaultValue = "never", completionCandidates = Candidates.RestartPolicies.class, paramLabel = "never|on-failure[:N]|always|unless-stopped",
            description = "When to start the command again after it ended (default: ${DEFAULT-VALUE}).")
    String restart;

    @Option(names = "--max-restarts", paramLabel = "N",
            description = "Restarts at most, with --restart (default: 3 in the foreground; unlimited with -d).")
    Integer maxRestarts;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Stop each run after this long (500ms, 30s, 5m): the stop signal, SIGKILL after the grace; the state is TIMEOUT.")
    String timeout;

    @Option(names = "--stop-signal", paramLabel = "SIG", completionCandidates = Candidates.Signals.class,
            description = "Signal that asks the command to stop (default: the SIGINT or SIGTERM Overseer received).")
    String stopSignal;

    @Option(names = "--stop-grace", defaultValue = "10s", paramLabel = "DURATION",
            description = "Wait this long after the stop signal before SIGKILL (default: ${DEFAULT-VALUE}).")
    String stopGrace;

    /** The --stop-signal, if one was given. */
    Optional<Signal> explicitStopSignal() {
        if (stopSignal == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Signal.parse(stopSignal));
        } catch (OverseerException e) {
            throw e.withField("--stop-signal");
        }
    }

    /**
     * The daemon's supervision of a {@code run -d} task: --restart with docker's words (never is no),
     * --max-restarts N as on-failure:N, --timeout as the maximum run time (then the stop signal, the grace,
     * SIGKILL), --stop-signal and --stop-grace as its stop sequence.
     */
    Supervision supervision() {
        overseer.wire.RestartPolicy policy = overseer.wire.RestartPolicy.parse("--restart", restart);
        if (maxRestarts != null) {
            if (maxRestarts < 0) {
                throw OverseerException.invalidField("--max-restarts", "must not be negative, got %d", maxRestarts);
            }
            if (policy.mode() != overseer.wire.RestartPolicy.Mode.ON_FAILURE) {
                throw OverseerException.invalidField("--max-restarts", "only with --restart on-failure (docker's on-failure:N), got --restart %s",
                        restart);
            }
            policy = overseer.wire.RestartPolicy.parse("--restart", "on-failure:" + maxRestarts);
        }
        Supervision s = Supervision.NONE.withRestart(policy)
                .withStop(explicitStopSignal().orElse(Signal.SIGTERM), Durations.parse("--stop-grace", stopGrace));
        return timeout == null ? s : s.withMaxRuntime(Durations.parse("--timeout", timeout));
    }

    /**
     * The foreground's supervision, with the daemon's words: --restart no|never|on-failure[:N]|always|unless-stopped
     * (always and unless-stopped without a cap: nobody is there to stop it but the user), --max-restarts N as
     * on-failure:N, --timeout (any duration, e.g. 500ms) as the stop sequence after that long. The start limit
     * is the daemon's alone: in the foreground the user watching is the limit.
     */
    JobOptions.Builder options() {
        overseer.wire.RestartPolicy daemons = supervision().restart();
        RestartPolicy.Mode mode = switch (daemons.mode()) {
            case NO -> RestartPolicy.Mode.NEVER;
            case ON_FAILURE -> RestartPolicy.Mode.ON_FAILURE;
            case ALWAYS, UNLESS_STOPPED -> RestartPolicy.Mode.ALWAYS;
        };
        int max = switch (mode) {
            case NEVER -> 0;
            case ON_FAILURE -> daemons.maxRetries().orElse(RestartPolicy.UNLIMITED);
            case ALWAYS -> RestartPolicy.UNLIMITED;
        };
        Signal signal = explicitStopSignal().orElse(Signal.SIGTERM);
        JobOptions.Builder b = JobOptions.builder()
                // the daemon's backoff too (docker's): 100 ms doubling to 1 min, reset after a 10 s run
                .restart(new RestartPolicy(mode, max, new Backoff(daemons.initialDelay(), 2.0, daemons.maxDelay()),
                        daemons.resetAfter()))
                .stopSignal(signal)
                .stopGrace(Durations.parse("--stop-grace", stopGrace));
        if (timeout != null) {
            Duration d = Durations.parse("--timeout", timeout);
            if (d.isZero()) {
                throw OverseerException.invalidField("--timeout", "must be more than 0, got \"%s\"", timeout);
            }
            b.timeout(d);
        }
        return b;
    }
}
