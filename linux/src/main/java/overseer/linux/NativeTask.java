package overseer.linux;

import overseer.core.Executables;
import overseer.core.OverseerException;
import overseer.core.ProcessInfo;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.spi.RuntimeProcess;
import overseer.core.spi.RuntimeTask;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A native task: the init process's group plus one group per exec'd process. Without cgroups the process
 * groups are what "every process of the task" means: pause stops them with SIGSTOP, pids lists them.
 */
final class NativeTask extends NativeProcess implements RuntimeTask {
    private static final long PAUSE_CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final List<NativeProcess> execs = new CopyOnWriteArrayList<>();

    NativeTask(EventLoop loop, ProcessSpec spec, Path executable, ProcessOutput output) {
        super(loop, spec, executable, output);
    }

    @Override
    public RuntimeProcess exec(String execId, ProcessSpec spec, ProcessOutput output) {
        Path exe = Executables.resolve(spec);
        Executables.requireCwd(spec);
        Executables.requireRedirects(spec);
        NativeProcess p = new NativeProcess(loop, spec, exe, output);
        execs.add(p);
        return p;
    }

    @Override
    public synchronized void signal(Signal signal, boolean all) {
        super.signal(signal, all);
        if (all) {
            for (NativeProcess p : execs) {
                signalIfLive(p, signal);
            }
        }
    }

    private static void signalIfLive(NativeProcess p, Signal signal) {
        if (p.live()) {
            try {
                p.signal(signal, true);
            } catch (OverseerException finishedMeanwhile) {
                // exited between the check and the signal
            }
        }
    }

    @Override
    public void pause() {
        signal(Signal.SIGSTOP, true);
        // Pausing until every member of the task's groups is seen stopped (state T) or gone.
        long deadline = System.nanoTime() + PAUSE_CONFIRM_NANOS;
        while (!allStopped()) {
            if (System.nanoTime() > deadline) {
                signal(Signal.SIGCONT, true);
                throw OverseerException.unavailable("the processes of the task did not stop within 2s");
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private boolean allStopped() {
        Set<Long> groups = groups();
        return ProcFs.all().stream().filter(s -> groups.contains(s.pgrp()))
                .allMatch(s -> s.state() == 'T' || s.state() == 'Z' || s.state() == 'X');
    }

    @Override
    public void resume() {
        signal(Signal.SIGCONT, true);
    }

    @Override
    public List<ProcessInfo> pids() {
        Set<Long> groups = groups();
        List<ProcessInfo> out = new ArrayList<>();
        for (ProcFs.Stat s : ProcFs.all()) {
            if (groups.contains(s.pgrp()) && s.state() != 'Z') {
                out.add(new ProcessInfo(s.pid(), s.comm()));
            }
        }
        return out;
    }

    private Set<Long> groups() {
        Set<Long> groups = new HashSet<>();
        if (live()) {
            groups.add((long) pid);
        }
        for (NativeProcess p : execs) {
            if (p.live()) {
                groups.add((long) p.pid);
            }
        }
        return groups;
    }
}
