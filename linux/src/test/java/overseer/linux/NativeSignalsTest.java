package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.Exit;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What only the native runtime can tell: signals it did not send, and signal dispositions. */
class NativeSignalsTest {
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() {
        tasks.close();
    }

    @Test
    void reportsASignalTheProcessSentItself() throws Exception {
        Task t = tasks.run(TaskSpec.of("segv", ProcessSpec.of("/bin/sh", "-c", "kill -SEGV $$")));
        Exit exit = t.await();
        assertThat(exit.signal()).contains(Signal.of(11));
        assertThat(exit.exitCode()).isEqualTo(139);
        assertThat(exit).hasToString("signal: segmentation fault");
    }

    @Test
    void childStartsWithDefaultDispositionsAndAnEmptyMask() throws Exception {
        // SigBlk and SigIgn in /proc/self/status of the child: no signal blocked, no standard signal ignored,
        // whatever the JVM blocks or ignores. Signals 32 and 33 are glibc's own (NPTL); sigfillset leaves them out.
        Task t = tasks.run(TaskSpec.of("mask", ProcessSpec.builder("/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status")
                .captureOutput().build()));
        assertThat(t.await().exitCode()).isZero();
        t.output().drained().join();
        List<String> lines = t.output().tail(overseer.core.LogStream.STDOUT).lines();
        assertThat(lines).hasSize(2);
        long blocked = Long.parseUnsignedLong(lines.get(0).substring("SigBlk:\t".length()), 16);
        long ignored = Long.parseUnsignedLong(lines.get(1).substring("SigIgn:\t".length()), 16);
        long nptl = (1L << 31) | (1L << 32);
        assertThat(blocked).isZero();
        assertThat(ignored & ~nptl).as("ignored signals other than NPTL's").isZero();
    }

    @Test
    void childLeadsItsOwnProcessGroup() throws Exception {
        Task t = tasks.run(TaskSpec.of("pgrp", ProcessSpec.of("/bin/sleep", "1000")));
        ProcFs.Stat stat = ProcFs.stat(t.pid()).orElseThrow();
        assertThat(stat.pgrp()).isEqualTo(t.pid());
        t.kill(Signal.SIGKILL, false);
        assertThat(t.await().signal()).contains(Signal.SIGKILL);
    }

    @Test
    void noDescriptorOfTheJvmLeaksIntoTheChild() throws Exception {
        Task t = tasks.run(TaskSpec.of("fds", ProcessSpec.builder("/bin/ls", "/proc/self/fd").captureOutput().build()));
        t.await();
        t.output().drained().join();
        // 0, 1, 2 and the descriptor ls opened to list the directory.
        assertThat(t.output().tail(overseer.core.LogStream.STDOUT).lines()).containsExactly("0", "1", "2", "3");
    }
}
