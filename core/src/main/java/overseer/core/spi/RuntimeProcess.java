package overseer.core.spi;

import overseer.core.Exit;
import overseer.core.Signal;

import java.io.OutputStream;
import java.util.function.Consumer;

/**
 * One process as a runtime controls it. Calls come from {@link overseer.core.Tasks} under the process's
 * lock, so a runtime sees them one at a time and in a legal order.
 */
public interface RuntimeProcess {
    /**
     * Starts the process and returns its pid. The runtime calls {@code onExit} exactly once, from any
     * thread, after it has collected the exit status.
     */
    long start(Consumer<Exit> onExit);

    /**
     * The kernel's start time of the started (or adopted) process, clock ticks since boot
     * ({@link overseer.core.TaskProcess#startTime()}); 0 before the start or where the runtime cannot tell.
     */
    default long startTime() {
        return 0;
    }

    /**
     * Sends {@code signal} to the process, or with {@code all} to every process of it (its process group,
     * its cgroup). Fails with FAILED_PRECONDITION "process already finished" once the exit was collected.
     */
    void signal(Signal signal, boolean all);

    /** The write end of the stdin pipe. FAILED_PRECONDITION when stdin is not a pipe. */
    OutputStream stdin();

    /** Closes the stdin pipe, so the process reads end of file. */
    void closeStdin();

    /** containerd's ResizePty: the size of the process's terminal. FAILED_PRECONDITION when it has none. */
    default void resizePty(int columns, int rows) {
        throw overseer.core.OverseerException.failedPrecondition("the process has no terminal");
    }

    /** Frees what the runtime holds for the process. Called once, after exit or without a start. */
    void release();

    /**
     * The caller is about to wait for the exit: a runtime may collect it on the calling thread, for at most
     * {@code patience}, and report it through the listener given to {@link #start} as its own thread would,
     * which saves the hand-over from the runtime's thread to the caller. Returns when the exit was reported,
     * when another thread has it, or when patience ran out; the default does nothing.
     */
    default void awaitExitHere(java.time.Duration patience) {
    }
}
