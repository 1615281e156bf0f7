package overseer.core;

import overseer.core.spi.Runtime;
import overseer.core.spi.RuntimeTask;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A task driven through a {@link RuntimeTask}: its init process plus its exec'd processes. */
final class SupervisedTask extends SupervisedProcess implements Task {
    private static final Duration EXEC_REAP = Duration.ofSeconds(5);

    private final Runtime runtimeImpl;
    private final RuntimeTask task;
    private final Map<String, SupervisedProcess> execs = new ConcurrentHashMap<>();
    private final Runnable unregister;

    SupervisedTask(String namespace, TaskSpec spec, Runtime runtime, EventBus bus, Runnable unregister) {
        super(namespace, spec.id(), spec.id(), spec.process(), bus, new ProcessOutput(spec.process()));
        this.runtimeImpl = runtime;
        this.unregister = unregister;
        this.task = runtime.create(namespace, spec, output);
        this.runtime = task;
    }

    @Override
    public void pause() {
        require(Runtime.Feature.PAUSE, "pause");
        lock.lock();
        try {
            Lifecycle.check(Lifecycle.Op.PAUSE, status);
            status = Status.PAUSING;
            try {
                task.pause();
            } catch (RuntimeException e) {
                status = Status.RUNNING;
                throw e;
            }
            status = Status.PAUSED;
            bus.publish(namespace, new Event.TaskPaused(taskId));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resume() {
        require(Runtime.Feature.PAUSE, "resume");
        lock.lock();
        try {
            Lifecycle.check(Lifecycle.Op.RESUME, status);
            task.resume();
            status = Status.RUNNING;
            bus.publish(namespace, new Event.TaskResumed(taskId));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Process exec(String execId, ProcessSpec spec) {
        Identifiers.require("execId", execId);
        lock.lock();
        try {
            Lifecycle.check(Lifecycle.Op.EXEC, status);
            if (execId.equals(taskId) || execs.containsKey(execId)) {
                throw OverseerException.alreadyExists("process %s already exists in task %s", execId, taskId);
            }
            ProcessOutput out = new ProcessOutput(spec);
            SupervisedProcess p = new SupervisedProcess(namespace, taskId, execId, spec, bus, out) {
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
    public Process process(String execId) {
        Process p = execs.get(execId);
        if (p == null) {
            throw OverseerException.notFound("process %s does not exist in task %s", execId, taskId);
        }
        return p;
    }

    @Override
    public List<Process> execs() {
        return List.copyOf(execs.values());
    }

    @Override
    public List<ProcessInfo> pids() {
        require(Runtime.Feature.PIDS, "pids");
        return task.pids();
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

    private void require(Runtime.Feature feature, String op) {
        if (!runtimeImpl.features().contains(feature)) {
            throw OverseerException.unavailable("%s is not supported by the %s runtime", op, runtimeImpl.name());
        }
    }
}
