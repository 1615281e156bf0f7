package overseer.core;

import overseer.core.spi.RuntimeProcess;

import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A process driven through a {@link RuntimeProcess}: the state machine, its events and its exit. Every
 * transition happens under {@link #lock}, and the exit callback takes the same lock, so a process's start
 * event is always published before its exit event.
 */
class SupervisedProcess implements TaskProcess {
    protected final String namespace;
    protected final String taskId;
    protected final String id;
    protected final ProcessSpec spec;
    protected final EventBus bus;
    protected final ProcessOutput output;
    protected final ReentrantLock lock = new ReentrantLock();
    private final CompletableFuture<Exit> exitFuture = new CompletableFuture<>();
    protected RuntimeProcess runtime;
    protected volatile Status status = Status.CREATED;
    private volatile long pid;
    private volatile Exit exit;

    SupervisedProcess(String namespace, String taskId, String id, ProcessSpec spec, EventBus bus, ProcessOutput output) {
        this.namespace = namespace;
        this.taskId = taskId;
        this.id = id;
        this.spec = spec;
        this.bus = bus;
        this.output = output;
    }

    private boolean isInit() {
        return id.equals(taskId) && this instanceof Task;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String namespace() {
        return namespace;
    }

    @Override
    public ProcessSpec spec() {
        return spec;
    }

    @Override
    public Status status() {
        return status;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public long startTime() {
        RuntimeProcess r = runtime;
        return pid == 0 || r == null ? 0 : r.startTime();
    }

    @Override
    public Optional<Exit> exit() {
        return Optional.ofNullable(exit);
    }

    @Override
    public ProcessOutput output() {
        return output;
    }

    @Override
    public void start() {
        lock.lock();
        try {
            Lifecycle.check(Lifecycle.Op.START, status);
            beforeStart();
            pid = runtime.start(this::exited);
            status = Status.RUNNING;
            bus.publish(namespace, isInit() ? new Event.TaskStart(taskId, pid) : new Event.TaskExecStarted(taskId, id, pid));
        } finally {
            lock.unlock();
        }
    }

    /**
     * A process found again after a restart: it runs (or ran) with {@code pid}. An exit the store
     * {@code recorded} stands at once; else its exit comes from {@code exit}, Exit.unknown when it cannot
     * be known.
     */
    void adopt(long pid, java.util.concurrent.CompletableFuture<Optional<Exit>> exit, Optional<Exit> recorded) {
        lock.lock();
        try {
            this.pid = pid;
            if (recorded.isPresent()) {
                // Its exit is recorded already and was published by an earlier Overseer: it stands as it was
                // (same time, no second /tasks/exit), now, whatever the runtime can tell about it later.
                this.exit = recorded.get();
                status = Status.STOPPED;
            } else {
                status = Status.RUNNING;
            }
        } finally {
            lock.unlock();
        }
        if (recorded.isPresent()) {
            exitFuture.complete(recorded.get());
            return;
        }
        exit.thenAccept(e -> exited(e.orElseGet(() -> Exit.unknown(java.time.Instant.now()))));
    }

    /** The runtime collected the exit status: it is published once {@link #beforeExitPublished} allows. */
    private void exited(Exit e) {
        CompletableFuture<?> ready = beforeExitPublished();
        if (ready.isDone()) {
            publishExit(e);
        } else {
            ready.whenComplete((ignored, failure) -> publishExit(e));
        }
    }

    /**
     * Hook, called on the runtime's thread as the exit is collected: the exit (status, event, future) is
     * published when the returned future completes. Tasks use it to publish their init's exit last.
     */
    protected CompletableFuture<?> beforeExitPublished() {
        return CompletableFuture.completedFuture(null);
    }

    /** The exit future itself, for the task that waits on its execs' exits. */
    final CompletableFuture<Exit> exitFuture() {
        return exitFuture;
    }

    private void publishExit(Exit e) {
        lock.lock();
        try {
            exit = e;
            status = Status.STOPPED;
            // /tasks/oom is the runtime's to report (RuntimeTask.onOom), once per kill and before this exit.
            bus.publish(namespace, new Event.TaskExit(taskId, id, pid, e));
        } finally {
            lock.unlock();
        }
        exitFuture.complete(e);
    }

    @Override
    public void kill(Signal signal, boolean all) {
        Exit before = null;
        lock.lock();
        try {
            if (isInit()) {
                Lifecycle.check(Lifecycle.Op.KILL, status);
            } else {
                Lifecycle.checkExec(Lifecycle.Op.KILL, status);
            }
            if (status != Status.CREATED) {
                runtime.signal(signal, all);
            } else if (signal.terminatesByDefault()) {
                // containerd lets a created task be killed: runc's init, waiting for the start, dies of the
                // signal. Here nothing runs before the start, so the task ends now as if the signal had killed
                // it then, and /tasks/exit says so (pid 0: it never had one).
                before = Exit.killed(signal, false, java.time.Instant.now());
                exit = before;
                status = Status.STOPPED;
                for (LogStream s : output.streams()) {
                    output.closed(s); // it will never write: whoever waits for its output is done
                }
                bus.publish(namespace, new Event.TaskExit(taskId, id, 0, before));
            } // a signal whose default is to be ignored or to stop does nothing to a process not yet running
        } finally {
            lock.unlock();
        }
        if (before != null) {
            exitFuture.complete(before);
        }
    }

    @Override
    public CompletableFuture<Exit> onExit() {
        return exitFuture.copy();
    }

    @Override
    public Optional<Exit> delete() {
        lock.lock();
        try {
            Lifecycle.check(Lifecycle.Op.DELETE, status);
            beforeDelete();
            runtime.release();
            status = Status.DELETED;
            if (isInit()) {
                bus.publish(namespace, new Event.TaskDelete(taskId, pid, exit()));
            }
            afterDelete();
            return exit();
        } finally {
            lock.unlock();
        }
    }

    /** Hook for exec'd processes: refuse a start their task cannot take. Called under the lock. */
    protected void beforeStart() {
    }

    /** Hook for tasks: clean up exec'd processes before the runtime releases the task. */
    protected void beforeDelete() {
    }

    /** Hook: drop the process from whatever registry holds it. */
    protected void afterDelete() {
    }

    @Override
    public OutputStream stdin() {
        return runtime.stdin();
    }

    @Override
    public void resizePty(int columns, int rows) {
        if (columns < 1 || rows < 1 || columns > 65535 || rows > 65535) {
            throw OverseerException.invalidField("size", "%dx%d is out of range 1..65535", columns, rows);
        }
        runtime.resizePty(columns, rows);
    }

    @Override
    public void closeStdin() {
        runtime.closeStdin();
    }

    @Override
    public String toString() {
        return namespace + "/" + taskId + (isInit() ? "" : "/" + id) + " (" + status.word() + ")";
    }
}
