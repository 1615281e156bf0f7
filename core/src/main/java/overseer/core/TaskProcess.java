package overseer.core;

import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process of a task: its init process or one exec'd into it. containerd's Process, with Lambda's
 * Terminate / Kill-with-deadline and Nomad's graceful Shutdown on top.
 */
public interface TaskProcess {
    /** The exec id; for a task's init process, the task id. */
    String id();

    String namespace();

    ProcessSpec spec();

    Status status();

    /** The pid once started, else 0. */
    long pid();

    /**
     * When its process started, as the kernel counts it (clock ticks since boot, /proc/PID/stat field 22):
     * with the pid it names that process for good, since a recycled pid has another start time. 0 before the
     * start, or where the runtime cannot tell.
     */
    long startTime();

    /** The exit, once the process has exited. */
    Optional<Exit> exit();

    /** Starts the process: Created to Running. */
    void start();

    /**
     * Sends {@code signal} to the process, or with {@code all} to every process of it.
     * After the exit: FAILED_PRECONDITION "process already finished".
     */
    void kill(Signal signal, boolean all);

    /** Completes with the exit. */
    CompletableFuture<Exit> onExit();

    /** Deletes the stopped (or never started) process and returns its exit if it had one. */
    Optional<Exit> delete();

    /** Its captured output: tails, sinks, end of output. */
    ProcessOutput output();

    /** The write end of its stdin pipe. FAILED_PRECONDITION when stdin is not a pipe. */
    OutputStream stdin();

    /** Closes its stdin so it reads end of file (containerd CloseIO). */
    void closeStdin();

    /** containerd's ResizePty: the size of its terminal. FAILED_PRECONDITION when it has none. */
    void resizePty(int columns, int rows);

    /**
     * Waits for the exit. It completes at the exit: what the process wrote last may still be in its pipes, read
     * after it; {@code output().drained()} completes once all of it is read ({@link Runner} waits for both).
     */
    default Exit await() throws InterruptedException {
        try {
            return onExit().get();
        } catch (ExecutionException e) {
            throw OverseerException.internal("waiting for " + id(), e.getCause());
        }
    }

    /** Waits at most {@code timeout} for the exit. */
    default Optional<Exit> await(Duration timeout) throws InterruptedException {
        Durations.requireNonNegative("timeout", timeout);
        try {
            return Optional.of(onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw OverseerException.internal("waiting for " + id(), e.getCause());
        }
    }

    /**
     * Lambda's Terminate: SIGTERM to every process of it, without waiting. A process that has already exited
     * is not an error: Lambda's local supervisor signals best effort and ignores the failure
     * (internal/lambda/supervisor/local_supervisor.go, Terminate).
     */
    default void terminate() {
        if (exit().isPresent()) {
            return;
        }
        try {
            kill(Signal.SIGTERM, true);
        } catch (OverseerException e) {
            requireFinishing(e);
        }
    }

    /**
     * Lambda's Kill: SIGKILL to every process of it, then wait for the exit until {@code deadline}.
     * A process that has already exited is killed already, whatever the deadline: its exit is returned
     * (Lambda checks the termination before the deadline). Otherwise a deadline that is not in the future
     * is INVALID_ARGUMENT; reaching it is UNAVAILABLE.
     */
    default Exit kill(Instant deadline) throws InterruptedException {
        if (exit().isPresent()) {
            return exit().get();
        }
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw OverseerException.invalidField("deadline", "must be in the future, got %s", deadline);
        }
        try {
            kill(Signal.SIGKILL, true);
        } catch (OverseerException e) {
            requireFinishing(e);
        }
        return await(Duration.between(Instant.now(), deadline)).orElseThrow(() -> OverseerException.unavailable(
                "process %s did not exit before the deadline %s", id(), deadline));
    }

    /**
     * Nomad's Shutdown: {@code stopSignal} to every process of it, SIGKILL after {@code grace}, then wait
     * for the exit.
     */
    default Exit shutdown(Signal stopSignal, Duration grace) throws InterruptedException {
        Durations.requireNonNegative("grace", grace);
        if (exit().isPresent()) {
            return exit().get();
        }
        try {
            kill(stopSignal, true);
        } catch (OverseerException e) {
            requireFinishing(e);
        }
        Optional<Exit> graceful = await(grace);
        if (graceful.isPresent()) {
            return graceful.get();
        }
        try {
            kill(Signal.SIGKILL, true);
        } catch (OverseerException e) {
            requireFinishing(e);
        }
        return await();
    }

    /**
     * A signal may race with the exit: the runtime has collected it (PROCESS_FINISHED) while the exit is
     * still on its way to us. Only that is fine; the exit will arrive.
     */
    private void requireFinishing(OverseerException e) {
        if (e.reason() != OverseerException.Reason.PROCESS_FINISHED && exit().isEmpty()) {
            throw e;
        }
    }
}
