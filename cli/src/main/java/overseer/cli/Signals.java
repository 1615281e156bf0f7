package overseer.cli;

import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.supervisor.Job;

import java.time.Duration;
import java.util.Optional;

/**
 * What `overseer run` does with the signals it receives. SIGINT and SIGTERM stop the job for good, as
 * supervisord does on shutdown (no restart follows): the process gets the --stop-signal if one was given,
 * else the very signal Overseer received (so Ctrl-C reaches it as SIGINT, as docker's sig-proxy does), and
 * SIGKILL after the grace. SIGHUP is passed on as it is, the usual "reload".
 */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("removal")
    static void install(Job job, Optional<Signal> stopSignal, Duration grace) {
        for (Signal s : new Signal[]{Signal.SIGINT, Signal.SIGTERM}) {
            sun.misc.Signal.handle(new sun.misc.Signal(s.name().substring(3)),
                    received -> job.kill(stopSignal.orElse(s), grace));
        }
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), received -> {
            try {
                job.signal(Signal.SIGHUP);
            } catch (OverseerException betweenRuns) {
                // no process runs now: nothing to reload
            }
        });
    }
}
