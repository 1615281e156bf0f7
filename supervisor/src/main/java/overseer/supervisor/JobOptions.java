package overseer.supervisor;

import overseer.core.Durations;
import overseer.core.OverseerException;
import overseer.core.Signal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the supervisor runs a job, beyond 0-core's Command fields: the restart policy (derived from
 * max_restart when not given), vic's stop signal and run-block, the grace before SIGKILL, hooks.
 *
 * @param restart     the restart policy; empty means on-failure with max_restart restarts when that is set
 * @param stopSignal  the signal that asks the process to stop (vic's StopSignal)
 * @param stopGrace   how long to wait after the stop signal before SIGKILL
 * @param runBlock    create the job but launch it only when it is first attached (vic's RunBlock)
 * @param exitLogSize how many exit-log entries to keep
 * @param tailLines   how many last lines of stdout and stderr the result keeps (0-core keeps 100)
 * @param hooks       hooks called during the job's life
 * @param timeout     a run that lasts longer is stopped with the stop sequence (stop signal, grace, SIGKILL) and
 *                    ends TIMEOUT; unlike 0-core's max_time (whole seconds, then SIGKILL) it asks first
 */
public record JobOptions(Optional<RestartPolicy> restart, Signal stopSignal, Duration stopGrace, boolean runBlock,
                         int exitLogSize, int tailLines, List<JobHook> hooks, Optional<Duration> timeout) {
    public static final JobOptions DEFAULT = builder().build();

    public JobOptions {
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(stopSignal, "stopSignal");
        Durations.requireNonNegative("stopGrace", stopGrace);
        if (exitLogSize < 1 || exitLogSize > 10_000) {
            throw OverseerException.invalidArgument("exitLogSize: %d is out of range 1..10000", exitLogSize);
        }
        if (tailLines < 0 || tailLines > 100_000) {
            throw OverseerException.invalidArgument("tailLines: %d is out of range 0..100000", tailLines);
        }
        hooks = List.copyOf(hooks);
        Objects.requireNonNull(timeout, "timeout");
        timeout.ifPresent(t -> {
            if (t.isZero() || t.isNegative()) {
                throw OverseerException.invalidArgument("timeout: must be positive, got %s", t);
            }
        });
    }

    /** The policy in force for {@code cmd}. */
    RestartPolicy restartFor(Command cmd) {
        return restart.orElseGet(() -> cmd.maxRestart() > 0 ? RestartPolicy.onFailure(cmd.maxRestart()) : RestartPolicy.NEVER);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.restart = restart.orElse(null);
        b.stopSignal = stopSignal;
        b.stopGrace = stopGrace;
        b.runBlock = runBlock;
        b.exitLogSize = exitLogSize;
        b.tailLines = tailLines;
        b.hooks.addAll(hooks);
        b.timeout = timeout.orElse(null);
        return b;
    }

    public static final class Builder {
        private RestartPolicy restart;
        private Signal stopSignal = Signal.SIGTERM;
        private Duration stopGrace = Duration.ofSeconds(10);
        private boolean runBlock;
        private int exitLogSize = 10;
        private int tailLines = 100;
        private final List<JobHook> hooks = new ArrayList<>();
        private Duration timeout;

        /** Each run at most this long, then the stop sequence (see {@link JobOptions#timeout}). */
        public Builder timeout(Duration t) {
            timeout = t;
            return this;
        }

        public Builder restart(RestartPolicy p) {
            restart = p;
            return this;
        }

        public Builder stopSignal(Signal s) {
            stopSignal = s;
            return this;
        }

        public Builder stopGrace(Duration d) {
            stopGrace = d;
            return this;
        }

        public Builder runBlock(boolean b) {
            runBlock = b;
            return this;
        }

        public Builder exitLogSize(int n) {
            exitLogSize = n;
            return this;
        }

        public Builder tailLines(int n) {
            tailLines = n;
            return this;
        }

        public Builder hook(JobHook h) {
            hooks.add(h);
            return this;
        }

        public JobOptions build() {
            return new JobOptions(Optional.ofNullable(restart), stopSignal, stopGrace, runBlock, exitLogSize, tailLines, hooks,
                    Optional.ofNullable(timeout));
        }
    }
}
