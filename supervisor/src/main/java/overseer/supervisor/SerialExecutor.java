package overseer.supervisor;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;

/**
 * Runs tasks one after the other on a virtual thread, in submission order: a job's hooks run here, off the
 * thread that reads the job's output, and a slice's changes reach its listeners here. A task that throws is
 * logged and the next one runs. No thread is kept while there is nothing to run.
 */
final class SerialExecutor implements Executor {
    private static final System.Logger LOG = System.getLogger(SerialExecutor.class.getName());

    private final String name;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean draining;
    private volatile Thread drainer;

    SerialExecutor(String name) {
        this.name = name;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            tasks.add(task);
            if (draining) {
                return;
            }
            draining = true;
        }
        Thread.ofVirtual().name(name).start(this::drain);
    }

    /** Whether the caller is one of this executor's tasks (which must not wait for the ones after it). */
    boolean isCurrent() {
        return Thread.currentThread() == drainer;
    }

    /** Waits until every task submitted before the call has run; not from one of its tasks (see {@link #isCurrent}). */
    void awaitIdle() throws InterruptedException {
        if (isCurrent()) {
            throw new IllegalStateException(name + ": a task cannot wait for the tasks queued after it");
        }
        CountDownLatch done = new CountDownLatch(1);
        execute(done::countDown);
        done.await();
    }

    private void drain() {
        drainer = Thread.currentThread();
        while (true) {
            Runnable next;
            synchronized (this) {
                next = tasks.poll();
                if (next == null) {
                    draining = false;
                    drainer = null;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, name + ": hook failed: " + e, e);
            }
        }
    }
}
