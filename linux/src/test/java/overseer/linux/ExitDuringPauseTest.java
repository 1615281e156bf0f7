package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.Envelope;
import overseer.core.Event;
import overseer.core.EventBus;
import overseer.core.ProcessInfo;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Status;
import overseer.core.Subscription;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * One task's pause that cannot finish (a member of its process group sits in a frozen v1 freezer cgroup the
 * test made, where SIGSTOP cannot reach it, so the pause polls for its full 2 s) must delay no exit: not that
 * task's own init, killed meanwhile, and not another task's. Before the exit callback stopped taking the
 * task's operation lock, the event loop waited in it for the whole pause, and every exit behind it too.
 */
class ExitDuringPauseTest {
    private static final Path FREEZER = Path.of("/sys/fs/cgroup/freezer");
    /** The pause gives up after 2 s; an exit held up by it would come about that late. */
    private static final Duration PROMPT = Duration.ofMillis(1000);

    private Path hold;
    private NativeRuntime runtime;
    private Tasks tasks;

    @BeforeEach
    void setUp() throws IOException {
        assumeThat(LibC.geteuid()).as("moving a process into a freezer cgroup needs root").isZero();
        assumeThat(Files.exists(FREEZER.resolve("freezer.state")) || Files.isDirectory(FREEZER))
                .as("a v1 freezer at " + FREEZER).isTrue();
        hold = FREEZER.resolve("overseer-test-hold-" + ProcessHandle.current().pid());
        Files.createDirectories(hold);
        runtime = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent("overseer-test-exits"));
        tasks = new Tasks(runtime);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (hold != null) {
            CgroupFs.write(hold.resolve("freezer.state"), "THAWED"); // the SIGKILLs pending in it land now
            for (String pid : Files.readAllLines(hold.resolve("cgroup.procs"))) {
                try {
                    LibC.kill(Integer.parseInt(pid.trim()), Signal.SIGKILL.number());
                } catch (LibC.Errno gone) {
                    // died of the task's leftover kill already
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readAllLines(hold.resolve("cgroup.procs")).isEmpty());
            Files.delete(hold);
        }
        if (tasks != null) {
            // A failed run may leave the stuck task Pausing, which close() cannot stop: its groups go first
            // (each still pinned by its unreaped leader, our child).
            for (Task t : tasks.list()) {
                if (t.pid() > 0 && t.status() != Status.STOPPED) {
                    try {
                        LibC.killGroup((int) t.pid(), Signal.SIGKILL.number());
                    } catch (LibC.Errno gone) {
                        // exited already
                    }
                }
            }
            tasks.close();
        }
    }

    @Test
    void exitsAreReportedWhileAnotherOperationOfTheTaskWaitsForItsProcessesToStop() throws Exception {
        Subscription exits = tasks.events().subscribe(16, EventBus.topics("/tasks/exit", "/tasks/paused"));
        Task stuck = tasks.run(TaskSpec.of("stuck", ProcessSpec.of("/bin/sh", "-c", "/bin/sleep 1000 & wait")));
        Task other = tasks.run(TaskSpec.of("other", ProcessSpec.of("/bin/sleep", "1000")));
        await().until(() -> stuck.pids().size() == 2);
        long member = stuck.pids().stream().mapToLong(ProcessInfo::pid).filter(p -> p != stuck.pid()).findFirst().orElseThrow();
        CgroupFs.write(hold.resolve("cgroup.procs"), Long.toString(member));
        CgroupFs.write(hold.resolve("freezer.state"), "FROZEN");
        await().until(() -> CgroupFs.readIfExists(hold.resolve("freezer.state")).orElse("").equals("FROZEN"));

        CompletableFuture<Void> pause = CompletableFuture.runAsync(() -> {
            try {
                stuck.pause();
            } catch (RuntimeException refusedOrRacedWithTheExit) {
                // either way it ran, holding the task's operation lock, for as long as it could
            }
        });
        await().until(() -> stuck.status() == Status.PAUSING);

        // The init is stopped now; SIGKILL ends it anyway. Sent through a pidfd of our own: kill() would wait
        // for the pause, which holds the task's operation lock.
        long killed = System.nanoTime();
        sigkill((int) stuck.pid());
        other.kill(Signal.SIGKILL, false);

        Map<String, Long> arrived = new ConcurrentHashMap<>();
        List<String> topics = new ArrayList<>();
        while (arrived.size() < 2) {
            Envelope e = exits.poll(Duration.ofSeconds(10)).orElseThrow(() -> new AssertionError("no exit within 10 s"));
            topics.add(e.topic() + " " + taskId(e.event()));
            if (e.event() instanceof Event.TaskExit x) {
                arrived.put(x.taskId(), System.nanoTime() - killed);
            }
        }
        assertThat(arrived.get("stuck")).as("ns from the kill to the stuck task's own exit event")
                .isLessThan(PROMPT.toNanos());
        assertThat(arrived.get("other")).as("ns from the kill to the other task's exit event")
                .isLessThan(PROMPT.toNanos());

        pause.join();
        assertThat(stuck.status()).isEqualTo(Status.STOPPED);
        assertThat(exits.poll(Duration.ofMillis(100))).as("no /tasks/paused after the exit, events: " + topics).isEmpty();
    }

    private static String taskId(Event e) {
        return e instanceof Event.TaskExit x ? x.taskId() : e.toString();
    }

    private static void sigkill(int pid) throws LibC.Errno {
        int fd = LibC.pidfdOpen(pid);
        try {
            LibC.pidfdSendSignal(fd, Signal.SIGKILL.number());
        } finally {
            LibC.close(fd);
        }
    }
}
