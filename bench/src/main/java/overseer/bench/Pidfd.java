package overseer.bench;

import overseer.core.Signal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The peers' daemons and the crashing programs are signalled only through a pidfd (linux's {@link
 * overseer.linux.Pidfd}), so a pid reused between looking it up and signalling cannot send it to a stranger.
 */
final class Pidfd {
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;

    private Pidfd() {
    }

    /** Sends {@code signal} to {@code pid}; false when the process is gone already. */
    static boolean signal(long pid, int signal) {
        return overseer.linux.Pidfd.signal(pid, Signal.of(signal));
    }

    /** SIGTERM, then SIGKILL if it has not ended within the grace: how every peer daemon the bench started is stopped. */
    static void stop(Process p, Duration grace) throws InterruptedException {
        if (!p.isAlive()) {
            return;
        }
        signal(p.pid(), SIGTERM);
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            signal(p.pid(), SIGKILL);
            p.waitFor();
        }
    }
}
