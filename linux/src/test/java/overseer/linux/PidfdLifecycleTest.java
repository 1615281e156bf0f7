package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A child that is gone before it is watched is never handed to the loop: its starter collects it. */
class PidfdLifecycleTest {
    private final EventLoop loop = new EventLoop("test-pidfd-loop");

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void aChildThatExitedBeforeItIsWatchedIsTheStartersToCollect() throws Exception {
        int pid = PosixSpawn.spawn(SpawnPlan.of(List.of("/bin/sh", "-c", "exit 5"), List.of(), SpawnPlan.Group.NEW_GROUP));
        int fd = PidfdLifecycle.open(pid);
        untilReadable(fd); // exited, not reaped
        PidfdLifecycle lifecycle = new PidfdLifecycle(loop);
        AtomicInteger loopRan = new AtomicInteger();

        assertThat(lifecycle.watchUnlessExited(pid, fd, loopRan::incrementAndGet)).isFalse();
        assertThat(loop.watched()).as("nothing registered with the loop").isZero();

        PidfdLifecycle.Peeked peeked = lifecycle.peek();
        assertThat(peeked).isInstanceOfSatisfying(PidfdLifecycle.Peeked.Status.class,
                s -> assertThat(s.exit().exitCode()).isEqualTo(5));
        lifecycle.reap();
        assertThat(lifecycle.reaped()).isTrue();
        assertThat(loopRan).hasValue(0);
        assertThat(ProcFs.startTimeEvenIfZombie(pid)).as("reaped").isEmpty();
    }

    @Test
    void aChildStillRunningIsWatchedByTheLoop() throws Exception {
        int pid = PosixSpawn.spawn(SpawnPlan.of(List.of("/bin/sleep", "30"), List.of(), SpawnPlan.Group.NEW_GROUP));
        int fd = PidfdLifecycle.open(pid);
        PidfdLifecycle lifecycle = new PidfdLifecycle(loop);
        java.util.concurrent.CompletableFuture<PidfdLifecycle.Peeked> seen = new java.util.concurrent.CompletableFuture<>();

        assertThat(lifecycle.watchUnlessExited(pid, fd, () -> seen.complete(lifecycle.peek()))).isTrue();
        assertThat(loop.watched()).isEqualTo(1);
        lifecycle.signal(overseer.core.Signal.SIGKILL.number(), false);

        assertThat(seen.get()).isInstanceOf(PidfdLifecycle.Peeked.Status.class);
        lifecycle.reap();
        assertThat(loop.watched()).isZero();
    }

    private static void untilReadable(int fd) throws LibC.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pollfd = a.allocate(8, 4);
            pollfd.set(ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) LibC.POLLIN);
            assertThat(LibC.poll(pollfd, 1, 10_000)).as("the child exits").isEqualTo(1);
        }
    }
}
