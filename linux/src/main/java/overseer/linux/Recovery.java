package overseer.linux;

import overseer.core.internal.Executables;
import overseer.core.Exit;
import overseer.core.ProcessOutput;
import overseer.core.TaskSpec;
import overseer.core.spi.TaskRuntime;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a restarted Overseer finds of the tasks a previous one left: a process still running (taken back
 * with its cgroups), one gone meanwhile (its exit from the monitor's exits directory), and the task
 * cgroups that still hold processes nobody recorded.
 */
final class Recovery {
    private final Host host;
    private final Optional<CgroupTree> tree;
    private final boolean cgroupEveryTask;

    Recovery(Host host, Optional<CgroupTree> tree, boolean cgroupEveryTask) {
        this.host = host;
        this.tree = tree;
        this.cgroupEveryTask = cgroupEveryTask;
    }

    /**
     * Takes back a host process a previous Overseer started, if it still runs with the recorded start time,
     * with its cgroups if it had any (found where this runtime would have made them), so that update, stats,
     * pause and kill work on it as on a fresh task. When it is our own child its exit is collected as usual;
     * otherwise it is watched through its pidfd and its exit, when it comes (or if it came already), is read
     * from the exits directory, where the monitor recorded it. Only when none is recorded does the exit
     * complete empty (unknown).
     */
    TaskRuntime.Adopted reattach(String namespace, TaskSpec spec, ProcessOutput output, long recordedPid, long recordedStart) {
        long pid = recordedPid;
        long startTime = recordedStart;
        Optional<TaskCgroup> cgroup = tree.flatMap(t -> t.existing(namespace, spec.id()));
        NativeTask task = new NativeTask(host, namespace, spec, Executables.resolve(spec.process()), Optional.empty(),
                output, tree, cgroupEveryTask);
        CompletableFuture<Optional<Exit>> exit = new CompletableFuture<>();
        if (pid == 0 && cgroup.isPresent()) {
            // Spawned, but its Overseer died before it wrote the pid down: the task's cgroup still names it.
            Optional<ProcFs.Stat> init = initProcess(cgroup.get());
            if (init.isPresent()) {
                pid = init.get().pid();
                startTime = ProcFs.startTime(pid).orElse(0);
            }
        }
        long found = pid;
        long foundStart = startTime;
        boolean plausible = pid > 0 && pid <= Integer.MAX_VALUE && startTime > 0;
        boolean alive = plausible && task.adopt((int) pid, startTime, cgroup,
                e -> exit.complete(e.known() ? Optional.of(e) : Optional.empty()));
        if (!alive) {
            // Gone already: its exit may be in the exits directory, or about to be (the monitor may still hold
            // the zombie). Its cgroups, if any, are removed when the task is deleted.
            task.adoptGone(cgroup);
            if (plausible && host.exitDir().isPresent()) {
                task.adoptedExit().keep(found, foundStart);
                Thread.ofVirtual().name("overseer-exit-" + found).start(() -> {
                    Optional<Exit> e = AdoptedExit.recorded(host, found, foundStart).map(task::withOomKill);
                    // The caller watches the exit right after this returns: once it does, completing runs its
                    // recording here, and only then may the file go (a crash before leaves it to the next).
                    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
                    while (exit.getNumberOfDependents() == 0 && System.nanoTime() < deadline) {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                    boolean watched = exit.getNumberOfDependents() > 0;
                    exit.complete(e);
                    if (watched && e.isPresent()) {
                        task.adoptedExit().forget();
                    }
                });
            } else {
                exit.complete(Optional.empty());
            }
        }
        return new TaskRuntime.Adopted(task, pid, exit);
    }

    /**
     * Every task cgroup under the parent that still holds processes, with its init (the leader of its own
     * group, as every task is spawned; else its lowest pid) and what /proc tells of it: the command line
     * (args[0] the executable's path), the environment and the working directory.
     */
    List<TaskRuntime.Found> found() {
        if (tree.isEmpty()) {
            return List.of();
        }
        List<TaskRuntime.Found> out = new java.util.ArrayList<>();
        for (String[] name : tree.get().taskNames()) {
            Optional<TaskCgroup> cg = tree.get().existing(name[0], name[1]);
            List<Long> procs = cg.map(TaskCgroup::procs).orElse(List.of());
            if (procs.isEmpty()) {
                continue; // an empty cgroup: nothing runs, and the next create of the name removes it
            }
            long pid = initProcess(cg.get()).map(ProcFs.Stat::pid).orElse(procs.stream().min(Long::compare).orElseThrow());
            Optional<overseer.core.ProcessSpec> process = ProcFs.describe(pid);
            if (process.isEmpty()) {
                continue; // gone meanwhile
            }
            out.add(new TaskRuntime.Found(name[0], name[1], pid, ProcFs.startTime(pid).orElse(0),
                    TaskSpec.of(name[1], process.get()), cg.get().toString()));
        }
        return out;
    }

    /** The task's init process among its cgroup's: the leader of its own process group, as every task is spawned. */
    private static Optional<ProcFs.Stat> initProcess(TaskCgroup cgroup) {
        return cgroup.procs().stream().map(ProcFs::stat).flatMap(Optional::stream)
                .filter(st -> st.pgrp() == st.pid() && st.state() != 'Z').min(java.util.Comparator.comparingLong(ProcFs.Stat::pid));
    }
}
