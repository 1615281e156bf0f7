package overseer.cli;

import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.linux.ControllingTerminal;
import overseer.linux.SignalFd;
import overseer.supervisor.Job;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * `overseer run`'s sig-proxy (docker's): every signal that reaches Overseer goes to the command's process
 * group, and none ends Overseer or leaves the command behind.
 * <ul>
 *   <li>SIGINT and SIGTERM stop the job for good, as supervisord does on shutdown (no restart follows): the
 *       --stop-signal if one was given, else the very signal received, then SIGKILL after the grace.</li>
 *   <li>SIGHUP is passed on as it is (the usual "reload") — unless the terminal hung up (its window was
 *       closed): then it is the stop sequence with SIGHUP, and Overseer ends with the command.</li>
 *   <li>Job control, when the command has the terminal: a command stopped by Ctrl-Z (or SIGTTIN, SIGSTOP)
 *       stops Overseer too, which first takes the terminal back, so the shell sees its job stopped; SIGCONT
 *       (the shell's fg or bg) gives the terminal back to the command if Overseer has it, and continues it.
 *       SIGTSTP, SIGTTIN and SIGTTOU sent to Overseer go to the command, which stops, and Overseer with it.</li>
 *   <li>SIGWINCH resizes the command's terminal when it runs on one (-t); every other signal (SIGQUIT,
 *       SIGUSR1, SIGUSR2, SIGALRM, ...) is passed on as it is, to the command itself.</li>
 * </ul>
 * Ctrl-C typed on the terminal needs no proxy: the command's group has the terminal, so the kernel sends it
 * SIGINT at once.
 */
final class SignalProxy implements Consumer<SignalFd.Received> {
    private final Job job;
    private final Optional<Signal> stopSignal;
    private final Duration grace;
    private final Optional<ControllingTerminal> terminal;
    private final boolean jobControl;
    private final Runnable windowChanged;
    private volatile Signal stoppedBy; // the first signal that stopped the job

    /**
     * @param terminal      Overseer's controlling terminal, if it has one
     * @param jobControl    the command was given the terminal (it is the foreground group)
     * @param windowChanged what SIGWINCH does, for a command on its own terminal; null to pass it on
     */
    private SignalProxy(Job job, Optional<Signal> stopSignal, Duration grace, Optional<ControllingTerminal> terminal,
                        boolean jobControl, Runnable windowChanged) {
        this.job = job;
        this.stopSignal = stopSignal;
        this.grace = grace;
        this.terminal = terminal;
        this.jobControl = jobControl;
        this.windowChanged = windowChanged;
    }

    /**
     * Forwards the signals that reach Overseer to the job; returns the first signal that stopped it, once one did. Without bin/overseer's signalfd (a JVM started
     * another way) only SIGINT, SIGTERM and SIGHUP can be caught, through the JVM's handlers.
     */
    static Supplier<Optional<Signal>> install(Job job, Optional<Signal> stopSignal, Duration grace,
                                              Optional<ControllingTerminal> terminal, boolean jobControl,
                                              Runnable windowChanged) {
        if (Signals.reading()) {
            SignalProxy p = new SignalProxy(job, stopSignal, grace, terminal, jobControl, windowChanged);
            Signals.handle(p);
            return () -> Optional.ofNullable(p.stoppedBy);
        }
        return jvmHandlers(job, stopSignal, grace);
    }

    private void stop(Signal s) {
        if (stoppedBy == null) {
            stoppedBy = s;
        }
        job.kill(stopSignal.orElse(s), grace);
    }

    @Override
    public void accept(SignalFd.Received r) {
        Signal s = r.signal();
        switch (s.name()) {
            case "SIGINT", "SIGTERM" -> stop(s);
            case "SIGHUP" -> {
                if (terminal.map(ControllingTerminal::hungUp).orElse(false)) {
                    stop(s);
                } else {
                    forward(s);
                }
            }
            case "SIGCHLD" -> {
                long pid = job.pid();
                if (jobControl && pid > 0 && SignalFd.childStopped(pid)) {
                    suspend(pid);
                }
            }
            case "SIGCONT" -> {
                long pid = job.pid();
                if (jobControl && pid > 0 && terminal.get().inForeground()) {
                    terminal.get().foreground(pid);
                }
                forward(s);
            }
            case "SIGWINCH" -> {
                if (windowChanged != null) {
                    windowChanged.run();
                } else {
                    forward(s);
                }
            }
            default -> forward(s);
        }
    }

    /** The command stopped: so does Overseer, its terminal taken back first, as a shell's job stops. */
    private void suspend(long pid) {
        ControllingTerminal t = terminal.get();
        if (t.foregroundGroup().filter(g -> g == pid).isPresent()) {
            t.takeBack();
        }
        SignalFd.stopThisProcess(); // the SIGCONT that ends the stop comes next, through the signalfd
    }

    /**
     * Job control and SIGHUP go to the command's process group, as a shell sends them; any other signal to the
     * command alone, as docker's sig-proxy does (a shell script's `sleep` must not die of its SIGUSR1).
     */
    private void forward(Signal s) {
        boolean group = switch (s.name()) {
            case "SIGHUP", "SIGCONT", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGWINCH" -> true;
            default -> false;
        };
        try {
            if (group) {
                job.signal(s);
            } else {
                job.task().ifPresent(t -> t.kill(s, false));
            }
        } catch (OverseerException betweenRuns) {
            // no process runs now (a restart is pending): nobody to tell
        }
    }

    @SuppressWarnings("removal")
    private static Supplier<Optional<Signal>> jvmHandlers(Job job, Optional<Signal> stopSignal, Duration grace) {
        AtomicReference<Signal> stoppedBy = new AtomicReference<>();
        for (Signal s : new Signal[]{Signal.SIGINT, Signal.SIGTERM}) {
            sun.misc.Signal.handle(new sun.misc.Signal(s.name().substring(3)), received -> {
                stoppedBy.compareAndSet(null, s);
                job.kill(stopSignal.orElse(s), grace);
            });
        }
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), received -> {
            try {
                job.signal(Signal.SIGHUP);
            } catch (OverseerException betweenRuns) {
                // no process runs now: nothing to reload
            }
        });
        return () -> Optional.ofNullable(stoppedBy.get());
    }
}
