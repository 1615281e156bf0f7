package overseer.cli;

import overseer.core.Durations;
import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.supervisor.Backoff;
import overseer.supervisor.Command;
import overseer.supervisor.JobOptions;
import overseer.supervisor.RestartPolicy;
import overseer.wire.Supervision;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
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
            description = "SIGKILL each run after this long (whole seconds, e.g. 30s, 5m); the state is TIMEOUT.")
    String timeout;

    @Option(names = "--stop-signal", paramLabel = "SIG", completionCandidates = Candidates.Signals.class,
            description = "Signal that asks the command to stop (default: the SIGINT or SIGTERM Overseer received).")
    String stopSignal;

    @Option(names = "--stop-grace", defaultValue = "10s", paramLabel = "DURATION",
            description = "Wait this long after the stop signal before SIGKILL (default: ${DEFAULT-VALUE}).")
    String stopGrace;

    Command command(String id, String kind) {
        int maxTime = 0;
        if (timeout != null) {
            Duration d = Durations.parse("--timeout", timeout);
            if (d.isZero() || d.toNanos() % 1_000_000_000L != 0) {
                throw OverseerException.invalidArgument("--timeout: must be a whole number of seconds, at least 1s, got \"%s\"",
                        timeout);
            }
            maxTime = Math.toIntExact(d.toSeconds());
        }
        try {
            return new Command(id, kind, null, "", 0, maxTime, 0, 0, true, List.of(), List.of(), false);
        } catch (OverseerException e) {
            throw new OverseerException(e.kind(), e.getMessage().replace("max_time", "--timeout"), e);
        }
    }

    /** The --stop-signal, if one was given. */
    Optional<Signal> explicitStopSignal() {
        if (stopSignal == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Signal.parse(stopSignal));
        } catch (OverseerException e) {
            throw OverseerException.invalidArgument("--stop-signal: %s", e.getMessage().replaceFirst("^signal: ", ""));
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
                throw OverseerException.invalidArgument("--max-restarts: must not be negative, got %d", maxRestarts);
            }
            if (policy.mode() != overseer.wire.RestartPolicy.Mode.ON_FAILURE) {
                throw OverseerException.invalidArgument("--max-restarts: only with --restart on-failure (docker's on-failure:N), got --restart %s",
                        restart);
            }
            policy = overseer.wire.RestartPolicy.parse("--restart", "on-failure:" + maxRestarts);
        }
        Supervision s = Supervision.NONE.withRestart(policy)
                .withStop(explicitStopSignal().orElse(Signal.SIGTERM), Durations.parse("--stop-grace", stopGrace));
        return timeout == null ? s : s.withMaxRuntime(Durations.parse("--timeout", timeout));
    }

    JobOptions.Builder options() {
        RestartPolicy.Mode mode;
        try {
            mode = RestartPolicy.Mode.parse(restart);
        } catch (OverseerException e) {
            throw OverseerException.invalidArgument("--restart: expected never, on-failure or always, got \"%s\"", restart);
        }
        int max = maxRestarts == null ? 3 : maxRestarts;
        if (max < 0) {
            throw OverseerException.invalidArgument("--max-restarts: must not be negative, got %d", max);
        }
        Signal signal = explicitStopSignal().orElse(Signal.SIGTERM);
        return JobOptions.builder()
                .restart(new RestartPolicy(mode, mode == RestartPolicy.Mode.NEVER ? 0 : max, Backoff.DEFAULT,
                        Duration.ofSeconds(10)))
                .stopSignal(signal)
                .stopGrace(Durations.parse("--stop-grace", stopGrace));
    }
}
