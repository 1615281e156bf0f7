package overseer.core;

import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeTask;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** A task driven through a {@link RuntimeTask}: its init process plus its exec'd processes. */
final class SupervisedTask extends SupervisedProcess implements Task {
    private static final Duration EXEC_REAP = Duration.ofSeconds(5);

    private final TaskRuntime runtimeImpl;
    private final TaskSpec taskSpec;
    private final RuntimeTask task;
    private final Map<String, SupervisedProcess> execs = new ConcurrentHashMap<>();
    private final Runnable unregister;
    /** The limits in force; written under {@link #lock}. */
    private volatile Resources resources;
    private final TaskRuntime.Adopted adopted; // set when the task was reattached rather than created

    SupervisedTask(String namespace, TaskSpec spec, TaskRuntime runtime, EventBus bus, Runnable unregister) {
        this(namespace, spec, runtime, bus, unregister, null);
    }

    /** With {@code reattach}, the task is found again through the runtime instead of created. */
    SupervisedTask(String namespace, TaskSpec spec, TaskRuntime runtime, EventBus bus, Runnable unregister,
                   java.util.function.Function<ProcessOutput, TaskRuntime.Adopted> reattach) {
        super(namespace, spec.id(), spec.id(), spec.process(), bus, new ProcessOutput(spec.process()));
        this.runtimeImpl = runtime;
        this.taskSpec = spec;
        this.unregister = unregister;
        if (spec.hasLimits()) {
            require(TaskRuntime.Feature.RESOURCES, "setting resources");
        }
        requireUser(spec.process());
        if (spec.isolation().isPresent()) {
            require(TaskRuntime.Feature.ISOLATION, "isolation");
        }
        this.resources = spec.startResources();
        this.adopted = reattach == null ? null : reattach.apply(output);
        this.task = adopted == null ? runtime.create(namespace, spec, output) : adopted.task();
        this.runtime = task;
        // The OOM killer may end any process of the task, not only those Overseer started: one event per kill.
        task.onOom(() -> bus.publish(namespace, new Event.TaskOOM(taskId)));
    }

    /** Starts watching a reattached task: its exit, or the one the store recorded when it cannot be known. */
    void watchAdopted(Optional<Exit> recorded) {
        adopt(adopted.pid(), adopted.exit(), recorded);
    }

    @Override
    public void pause() {
        require(TaskRuntime.Feature.PAUSE, "pause");
        lock.lock();
        try {
            pauseLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The pause itself runs under {@link #lock} only: the exit may come meanwhile (and is published at once);
     * then the task stays stopped and no /tasks/paused follows its /tasks/exit.
     */
    private void pauseLocked() {
        Lifecycle.check(Lifecycle.Op.PAUSE, status);
        if (!transition(Status.RUNNING, Status.PAUSING, null)) {
            Lifecycle.check(Lifecycle.Op.PAUSE, status); // exited between the check and now
        }
        try {
            task.pause();
        } catch (RuntimeException e) {
            transition(Status.PAUSING, Status.RUNNING, null);
            throw e;
        }
        transition(Status.PAUSING, Status.PAUSED, new Event.TaskPaused(taskId));
    }

    @Override
    public void resume() {
        require(TaskRuntime.Feature.PAUSE, "resume");
        lock.lock();
        try {
            resumeLocked();
        } finally {
            lock.unlock();
        }
    }

    private void resumeLocked() {
        Lifecycle.check(Lifecycle.Op.RESUME, status);
        task.resume();
        transition(Status.PAUSED, Status.RUNNING, new Event.TaskResumed(taskId));
    }

    @Override
    public Resources resources() {
        return resources;
    }

    @Override
    public void update(Resources update) {
        require(TaskRuntime.Feature.RESOURCES, "update");
        java.util.Objects.requireNonNull(update, "update");
        lock.lock();
        try {
            requireLive("update");
            applyLocked(resources.merge(update));
        } finally {
            lock.unlock();
        }
    }

    private void applyLocked(Resources merged) {
        task.update(merged);
        resources = merged;
    }

    @Override
    public TaskStats stats() {
        require(TaskRuntime.Feature.STATS, "stats");
        lock.lock();
        try {
            if (status == Status.CREATED) {
                throw OverseerException.failedPrecondition("process not started");
            }
            if (status == Status.DELETED) {
                throw OverseerException.failedPrecondition("cannot read the stats of a deleted process");
            }
            return task.stats();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CycleDeltaMetrics freeze() {
        require(TaskRuntime.Feature.FREEZER, "freeze");
        lock.lock();
        try {
            pauseLocked();
            try {
                return task.cycleMetrics();
            } catch (RuntimeException e) {
                resumeLocked(); // no metrics, no freeze: leave the task as it was
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void thaw() {
        require(TaskRuntime.Feature.FREEZER, "thaw");
        lock.lock();
        try {
            Lifecycle.check(Lifecycle.Op.RESUME, status);
            // Lambda: the thaw profile is always the throttled one, whatever the task started with.
            taskSpec.profiles().ifPresent(p -> applyLocked(resources.merge(p.throttled())));
            resumeLocked();
            task.startCycle();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CycleDeltaMetrics stop(Signal stopSignal, Duration grace) throws InterruptedException {
        require(TaskRuntime.Feature.FREEZER, "stop");
        Durations.requireNonNegative("grace", grace);
        lock.lock();
        try {
            if (status == Status.PAUSED) {
                // A frozen process cannot handle its stop signal. The cycle that ended at the freeze was
                // reported then: the last cycle is the one from here to the exit.
                resumeLocked();
                task.startCycle();
            }
        } finally {
            lock.unlock();
        }
        shutdown(stopSignal, grace);
        lock.lock();
        try {
            if (status == Status.DELETED) {
                throw OverseerException.failedPrecondition("cannot stop a deleted process");
            }
            return task.cycleMetrics();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public TaskProcess exec(String execId, ProcessSpec spec) {
        Identifiers.require("execId", execId);
        requireUser(spec);
        lock.lock();
        try {
            Lifecycle.check(Lifecycle.Op.EXEC, status);
            if (execId.equals(taskId) || execs.containsKey(execId)) {
                throw OverseerException.alreadyExists("process %s already exists in task %s", execId, taskId);
            }
            ProcessOutput out = new ProcessOutput(spec);
            SupervisedProcess p = new SupervisedProcess(namespace, taskId, execId, spec, bus, out) {
                @Override
                protected void beforeStart() {
                    // containerd adds an exec to a created task (runc's init already holds its namespaces); here
                    // the task's process, cgroup and container only come with its start, so the exec waits for it.
                    Status task = SupervisedTask.this.status;
                    if (task != Status.RUNNING && task != Status.PAUSING && task != Status.PAUSED) {
                        throw OverseerException.failedPrecondition("cannot start a process in a %s task", task.word());
                    }
                }

                @Override
                protected void afterDelete() {
                    execs.remove(execId);
                }
            };
            p.runtime = task.exec(execId, spec, out);
            execs.put(execId, p);
            bus.publish(namespace, new Event.TaskExecAdded(taskId, execId));
            return p;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void checkpoint(java.nio.file.Path image, boolean leaveRunning) {
        // No feature check: the runtime's refusal says why (criu missing, broken on this kernel...).
        lock.lock();
        try {
            if (status != Status.RUNNING) {
                throw OverseerException.failedPrecondition("cannot checkpoint a %s process", status.word());
            }
            task.checkpoint(image, leaveRunning);
            bus.publish(namespace, new Event.TaskCheckpointed(taskId, image.toString()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public TaskProcess process(String execId) {
        TaskProcess p = execs.get(execId);
        if (p == null) {
            throw OverseerException.notFound("process %s does not exist in task %s", execId, taskId);
        }
        return p;
    }

    @Override
    public List<TaskProcess> execs() {
        return List.copyOf(execs.values());
    }

    @Override
    public List<ProcessInfo> pids() {
        require(TaskRuntime.Feature.PIDS, "pids");
        return task.pids();
    }

    /**
     * The init has exited: exec'd processes do not outlive it. Each one still running is killed, and the
     * init's exit is published only once theirs are (or after {@link #EXEC_REAP}, should one not die), so a
     * reader sees every exec's /tasks/exit before the init's, as containerd's runc shim orders them (its
     * service.go handleInitExit defers the init's exit while execs run). The runtime kills the rest of the
     * task (its cgroup, or its process groups) as the exit is collected.
     */
    @Override
    protected CompletableFuture<?> beforeExitPublished() {
        List<CompletableFuture<Exit>> running = new ArrayList<>();
        for (SupervisedProcess p : execs.values()) {
            Status s = p.status();
            if (s != Status.RUNNING && s != Status.PAUSED && s != Status.PAUSING) {
                continue;
            }
            running.add(p.exitFuture());
            try {
                p.runtime.signal(Signal.SIGKILL, true); // not through kill(): the exec's lock is not ours to take here
            } catch (OverseerException exitedMeanwhile) {
                // its exit is on its way
            }
        }
        if (running.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, EXEC_REAP.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void beforeDelete() {
        // Exec'd processes do not outlive their task: kill what still runs, then delete them all.
        for (SupervisedProcess p : List.copyOf(execs.values())) {
            if (p.status() == Status.CREATED || p.status() == Status.STOPPED) {
                p.delete();
                continue;
            }
            try {
                p.kill(Signal.SIGKILL, false);
            } catch (OverseerException alreadyGone) {
                // exited between the status read and the kill
            }
            try {
                p.await(EXEC_REAP).orElseThrow(() -> OverseerException.unavailable(
                        "exec process %s of task %s did not exit after SIGKILL", p.id(), taskId));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw OverseerException.unavailable("interrupted while deleting task %s", taskId);
            }
            p.delete();
        }
    }

    @Override
    protected void afterDelete() {
        unregister.run();
    }

    /** Update is containerd's: legal before the start and while the task runs or is paused. */
    private void requireLive(String op) {
        if (status == Status.STOPPED || status == Status.DELETED) {
            throw OverseerException.failedPrecondition("cannot %s a %s process", op, status.word());
        }
    }

    private void requireUser(ProcessSpec spec) {
        if (spec.user().isPresent()) {
            require(TaskRuntime.Feature.USER, "running a process as another user");
        }
    }

    private void require(TaskRuntime.Feature feature, String op) {
        if (!runtimeImpl.features().contains(feature)) {
            throw OverseerException.unavailable("%s is not supported by the %s runtime", op, runtimeImpl.name());
        }
    }
}
