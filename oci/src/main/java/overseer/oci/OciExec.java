package overseer.oci;

import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.linux.Pidfd;

import java.util.Optional;

/**
 * A process exec'd into a running task: {@code runtime exec --detach} under a monitor of its own (CRI-O's way),
 * with its own log, stdin and exit file. Signals go straight to it through a pidfd: the runtime's kill only
 * reaches a task's init process.
 */
final class OciExec extends OciProcess {
    /** Empty once it exited before it could be opened: its exit file tells then. */
    private Optional<Pidfd> pidfd = Optional.empty();

    private final String cgroupsPath;

    OciExec(OciRuntime runtime, TaskPaths paths, ProcessSpec spec, ProcessOutput output, String cgroupsPath) {
        super(runtime, paths, spec, output);
        this.cgroupsPath = cgroupsPath;
    }

    @Override
    protected long launch() {
        long p = runtime.startMonitored(paths, new Monitor.Process(Monitor.Mode.EXEC, spec.stdin() != overseer.core.Redirect.NULL,
                false, ConmonLog.wanted(spec), Optional.empty(), cgroupsPath));
        pidfd = Pidfd.open(p);
        return p;
    }

    @Override
    public synchronized void signal(Signal signal, boolean all) {
        requireRunning();
        sending(signal);
        if (all) {
            // Its descendants first, while the process still holds them as its own.
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> signalPid(d.pid(), signal)));
        }
        if (!pidfd.map(p -> p.signal(signal)).orElse(false)) {
            throw OverseerException.processFinished();
        }
    }

    private static void signalPid(long pid, Signal signal) {
        Pidfd.signal(pid, signal); // false when it exited meanwhile: nothing left to signal
    }

    @Override
    public synchronized void release() {
        forget();
        pidfd.ifPresent(Pidfd::close);
        pidfd = Optional.empty();
        Files2.deleteTree(paths.dir());
    }
}
