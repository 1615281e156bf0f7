package overseer.oci;

import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Signal;

import java.util.Optional;

/**
 * A process exec'd into a running task: {@code runtime exec --detach} under a conmon of its own (CRI-O's way),
 * with its own log, stdin and exit file. Signals go straight to it through a pidfd: the runtime's kill only
 * reaches a task's init process.
 */
final class OciExec extends OciProcess {
    private int pidfd = -1;

    OciExec(OciRuntime runtime, TaskPaths paths, ProcessSpec spec, ProcessOutput output) {
        super(runtime, paths, spec, output);
    }

    @Override
    protected long launch() {
        long p = Conmon.start(runtime.conmon(), runtime.binary(), paths, Conmon.Mode.EXEC, spec.stdin() != overseer.core.Redirect.NULL,
                false, ConmonLog.wanted(spec), Optional.empty());
        try {
            pidfd = LibC.pidfdOpen(p);
        } catch (LibC.Errno e) {
            pidfd = -1; // it exited already: its exit file will tell
        }
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
        try {
            if (pidfd < 0) {
                throw OverseerException.processFinished();
            }
            LibC.pidfdSendSignal(pidfd, signal.number());
        } catch (LibC.Errno e) {
            if (e.errno == LibC.ESRCH) {
                throw OverseerException.processFinished();
            }
            throw OverseerException.internal("signal " + signal + " to " + pid, e);
        }
    }

    private static void signalPid(long pid, Signal signal) {
        try {
            int fd = LibC.pidfdOpen(pid);
            try {
                LibC.pidfdSendSignal(fd, signal.number());
            } finally {
                LibC.close(fd);
            }
        } catch (LibC.Errno gone) {
            // exited meanwhile
        }
    }

    @Override
    public synchronized void release() {
        forget();
        LibC.close(pidfd);
        pidfd = -1;
        Files2.deleteTree(paths.dir());
    }
}
