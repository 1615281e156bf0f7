package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import overseer.core.Exit;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.core.spi.RuntimeTask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A platform thread that waits for a short-lived process collects its exit itself, woken by the kernel as
 * waitpid would be; a process that outlives the patience goes back to the event loop, which reports it.
 */
class AwaitExitHereTest {
    /** poll and ppoll on x86_64 (7, 271), ppoll on aarch64 (73), as /proc/PID/task/TID/syscall numbers them. */
    private static final java.util.Set<String> POLL_SYSCALLS = java.util.Set.of("7", "271", "73");
    /** Ends when its stdin closes. */
    private static final TaskSpec READS_THEN_EXITS_7 = TaskSpec.of("quick", ProcessSpec.builder("/bin/sh", "-c", "read x; exit 7")
            .stdin(overseer.core.Redirect.PIPE).build());
    private final NativeRuntime runtime = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent("overseer-test-await"));

    @AfterEach
    void close() {
        runtime.close();
    }

    @Test
    void theWaiterCollectsTheExitOnItsOwnThreadAndReapsIt() throws Exception {
        RuntimeTask task = runtime.create("ns", READS_THEN_EXITS_7, new ProcessOutput(READS_THEN_EXITS_7.process()));
        AtomicReference<Thread> reporter = new AtomicReference<>();
        CompletableFuture<Exit> exit = new CompletableFuture<>();
        task.start(e -> {
            reporter.set(Thread.currentThread());
            exit.complete(e);
        });

        Thread waiter = waitInPollUntilStdinCloses(task);

        assertThat(exit).isCompletedWithValueMatching(e -> e.exitCode() == 7);
        assertThat(reporter.get()).isSameAs(waiter);
        assertThat(runtime.watched()).as("the pidfd is reaped and no longer watched").isZero();
        task.release();
    }

    @Test
    void anExitTheWaiterCollectedDoesNotWakeTheEventLoop() throws Exception {
        int loopTid = loopThreadId();
        long before = voluntarySwitches(loopTid);

        RuntimeTask task = runtime.create("ns", READS_THEN_EXITS_7, new ProcessOutput(READS_THEN_EXITS_7.process()));
        CompletableFuture<Exit> exit = new CompletableFuture<>();
        task.start(exit::complete);
        waitInPollUntilStdinCloses(task);
        task.release();

        assertThat(exit).isCompletedWithValueMatching(e -> e.exitCode() == 7);
        // epoll reports a hang-up whatever it is asked to watch, and the reap hangs the pidfd up: a pidfd
        // merely disarmed while the waiter polled it woke the loop once the waiter had reaped the child.
        assertThat(voluntarySwitches(loopTid)).as("the loop slept through it").isEqualTo(before);
    }

    /**
     * A platform thread waits for {@code task} in the runtime; once it sits in poll(2), the task's stdin is
     * closed, which ends it (else the loop could take an exit that came first, as it may). Returns the waiter,
     * finished.
     */
    private static Thread waitInPollUntilStdinCloses(RuntimeTask task) throws Exception {
        CompletableFuture<Integer> waiterTid = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().name("test-waiter").start(() -> {
            waiterTid.complete(LibC.gettid());
            task.awaitExitHere(Duration.ofSeconds(10));
        });
        Path syscall = Path.of("/proc/self/task/" + waiterTid.get() + "/syscall");
        await().until(() -> POLL_SYSCALLS.contains(Files.readString(syscall).split(" ")[0]));
        task.closeStdin();
        waiter.join();
        return waiter;
    }

    /** The kernel id of this runtime's loop thread, from the exit it reports. */
    private int loopThreadId() throws Exception {
        TaskSpec spec = TaskSpec.of("probe", ProcessSpec.of("/bin/sleep", "1000"));
        RuntimeTask task = runtime.create("ns", spec, new ProcessOutput(spec.process()));
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        task.start(e -> tid.complete(LibC.gettid()));
        task.signal(Signal.SIGKILL, false);
        int loopTid = tid.get();
        await().until(() -> runtime.watched() == 0);
        task.release();
        return loopTid;
    }

    private static long voluntarySwitches(int tid) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/task/" + tid + "/status")).stream()
                .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).strip())).findFirst().orElseThrow();
    }

    @Test
    void aProgramThatEndsBeforeItsStartReturnsStillHasItsStartTime() throws Exception {
        // /bin/true often ends before its spawn returns; its start time must be read before anyone reaps it.
        for (int i = 0; i < 50; i++) {
            TaskSpec spec = TaskSpec.of("brief-" + i, ProcessSpec.of("/bin/true"));
            RuntimeTask task = runtime.create("ns", spec, new ProcessOutput(spec.process()));
            CompletableFuture<Exit> exit = new CompletableFuture<>();
            long pid = task.start(exit::complete);
            exit.get();
            assertThat(task.startTime()).as("start time of pid %d", pid).isPositive();
            task.release();
        }
    }

    @Test
    void aProcessThatOutlivesThePatienceIsLeftToTheEventLoop() throws Exception {
        TaskSpec spec = TaskSpec.of("long", ProcessSpec.of("/bin/sleep", "1000"));
        RuntimeTask task = runtime.create("ns", spec, new ProcessOutput(spec.process()));
        AtomicReference<Thread> reporter = new AtomicReference<>();
        CompletableFuture<Exit> exit = new CompletableFuture<>();
        task.start(e -> {
            reporter.set(Thread.currentThread());
            exit.complete(e);
        });

        task.awaitExitHere(Duration.ofMillis(30));
        assertThat(exit).as("still running").isNotDone();
        task.signal(Signal.SIGKILL, false);

        assertThat(exit.get().signal()).contains(Signal.SIGKILL);
        assertThat(reporter.get().getName()).isEqualTo("overseer-epoll");
        await().until(() -> runtime.watched() == 0);
        task.release();
    }

    @Test
    void anInterruptedWaiterStillGetsItsInterruptPromptly() throws Exception {
        try (Tasks tasks = new Tasks(runtime)) {
            Task t = tasks.run(TaskSpec.of("sleeper", ProcessSpec.of("/bin/sleep", "1000")));
            Thread.currentThread().interrupt();
            assertThatThrownBy(t::await).isInstanceOf(InterruptedException.class);
            t.kill(Signal.SIGKILL, false);
            assertThat(t.await(Duration.ofSeconds(10))).isPresent();
            t.delete();
        }
    }

    @Test
    void aVirtualThreadWaitsThroughTheEventLoopAndStillGetsTheExit() throws Exception {
        try (Tasks tasks = new Tasks(runtime)) {
            Task t = tasks.run(TaskSpec.of("v", ProcessSpec.of("/bin/sh", "-c", "exit 3")));
            CompletableFuture<Exit> seen = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    seen.complete(t.await());
                } catch (InterruptedException e) {
                    seen.completeExceptionally(e);
                }
            });
            assertThat(seen.get().exitCode()).isEqualTo(3);
            t.delete();
        }
    }
}
