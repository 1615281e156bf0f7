package overseer.core;

import overseer.core.spi.RuntimeProcess;

import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A process driven through a {@link RuntimeProcess}: the state machine, its events and its exit.
 *
 * <p>Two locks. {@link #lock} serialises the operations (start, kill, pause, update, delete...), and is held
 * across the runtime calls they make, some of which block: a pause polls until the processes are stopped,
 * an update writes cgroup files. {@link #state} guards the status, the exit and the order of this process's
 * events, and is held only for a few assignments and a publish, never across a runtime call. The runtime's
 * exit callback, which runs on a thread that serves every process (the native runtime's event loop), takes
 * only {@link #state}: no operation in progress on any task can hold an exit up. An exit that comes while
 * the start is still being published waits in {@link #earlyExit} and is published right after the start
 * event, so a process's start event always comes before its exit event.
 */
class SupervisedProcess implements TaskProcess {
    protected final String namespace;
    protected final String taskId;
    protected final String id;
    protected final ProcessSpec spec;
    protected final EventBus bus;
    protected final ProcessOutput output;
    protected final ReentrantLock lock = new ReentrantLock();
    protected final ReentrantLock state = new ReentrantLock();
    private boolean startPublished; // under state
    private Exit earlyExit; // under state: an exit that came before the start was published
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
            long started = runtime.start(this::exited);
            Exit early;
            state.lock();
            try {
                pid = started;
                status = Status.RUNNING;
                bus.publish(namespace, isInit() ? new Event.TaskStart(taskId, pid) : new Event.TaskExecStarted(taskId, id, pid));
                startPublished = true;
                early = earlyExit;
                earlyExit = null;
            } finally {
                state.unlock();
            }
            if (early != null) {
                publishExit(early);
            }
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
        state.lock();
        try {
            startPublished = true; // its start was an earlier Overseer's
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
            state.unlock();
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

    /** Under {@link #state} only: called on the runtime's thread, which must never wait for an operation. */
    private void publishExit(Exit e) {
        state.lock();
        try {
            if (!startPublished) {
                earlyExit = e; // the start publishes it, right after its own event
                return;
            }
            exit = e;
            status = Status.STOPPED;
            // /tasks/oom is the runtime's to report (RuntimeTask.onOom), once per kill and before this exit.
            bus.publish(namespace, new Event.TaskExit(taskId, id, pid, e));
        } finally {
            state.unlock();
        }
        exitFuture.complete(e);
    }

    /**
     * Under {@link #lock}, after a runtime call that may have raced with the exit: {@code to} becomes the
     * status, and {@code event} is published, only while the status is still {@code from}. False when the
     * process exited meanwhile (its exit stands: no event may follow it).
     */
    protected final boolean transition(Status from, Status to, Event event) {
        state.lock();
        try {
            if (status != from) {
                return false;
            }
            status = to;
            if (event != null) {
                bus.publish(namespace, event);
            }
            return true;
        } finally {
            state.unlock();
        }
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
                for (LogStream s : output.streams()) {
                    output.closed(s); // it will never write: whoever waits for its output is done
                }
                state.lock();
                try {
                    exit = before;
                    status = Status.STOPPED;
                    bus.publish(namespace, new Event.TaskExit(taskId, id, 0, before));
                } finally {
                    state.unlock();
                }
            } // a signal whose default is to be ignored or to stop does nothing to a process not yet running
        } finally {
            lock.unlock();
        }
        if (before != null) {
            exitFuture.complete(before);
        }
    }

    /**
     * How long a waiting platform thread may wait for the exit in the runtime itself (see
     * {@link RuntimeProcess#awaitExitHere}) before it waits for the future; an interrupt is noticed after it.
     */
    private static final java.time.Duration COLLECT_HERE = java.time.Duration.ofMillis(20);

    @Override
    public Exit await() throws InterruptedException {
        collectHere(COLLECT_HERE);
        return TaskProcess.super.await();
    }

    @Override
    public Optional<Exit> await(java.time.Duration timeout) throws InterruptedException {
        Durations.requireNonNegative("timeout", timeout);
        long start = System.nanoTime();
        collectHere(timeout.compareTo(COLLECT_HERE) < 0 ? timeout : COLLECT_HERE);
        java.time.Duration left = timeout.minusNanos(System.nanoTime() - start);
        return TaskProcess.super.await(left.isNegative() ? java.time.Duration.ZERO : left);
    }

    /** A short-lived process's exit wakes its waiter directly: one wake-up, as with waitpid. */
    private void collectHere(java.time.Duration patience) {
        Status s = status;
        if (exitFuture.isDone() || Thread.currentThread().isInterrupted() || runtime == null
                || (s != Status.RUNNING && s != Status.PAUSING && s != Status.PAUSED)) {
            return;
        }
        runtime.awaitExitHere(patience);
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
            state.lock(); // created or stopped, under lock: nothing can change it but this
            try {
                status = Status.DELETED;
                if (isInit()) {
                    bus.publish(namespace, new Event.TaskDelete(taskId, pid, exit()));
                }
            } finally {
                state.unlock();
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
