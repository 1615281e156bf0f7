package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.Exit;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A thousand processes through every kind of stdio leave no descriptor and no zombie behind. */
class NativeLeakTest {
    private NativeRuntime runtime;
    private Tasks tasks;

    @BeforeEach
    void setUp() {
        runtime = new NativeRuntime();
        tasks = new Tasks(runtime);
    }

    @AfterEach
    void tearDown() {
        tasks.close();
    }

    @Test
    void thousandProcessesLeaveNoDescriptorAndNoZombie() throws Exception {
        runBatch(50); // warm up: class loading opens jars, the loop allocates its buffers
        long fdsBefore = openFds();

        runBatch(1000);

        assertThat(runtime.watched()).as("descriptors still watched by the event loop").isZero();
        assertThat(openFds()).as("open descriptors of this JVM").isEqualTo(fdsBefore);
        assertThat(zombieChildren()).as("unreaped children").isEmpty();
    }

    private void runBatch(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            ProcessSpec.Builder b = ProcessSpec.builder("/bin/sh", "-c", "echo out; echo err >&2; read x");
            switch (i % 4) {
                case 0 -> b.captureOutput().stdin(Redirect.PIPE);
                case 1 -> b.stdout(Redirect.PIPE).stderr(Redirect.STDOUT);
                case 2 -> b.stdout(Redirect.NULL).stderr(Redirect.NULL);
                default -> b.stdout(Redirect.PIPE).stderr(Redirect.NULL).stdin(Redirect.PIPE);
            }
            Task t = tasks.run(TaskSpec.of("leak-" + i, b.build()));
            if (t.spec().stdin() == Redirect.PIPE) {
                t.closeStdin();
            }
            Exit exit = t.await();
            assertThat(exit.exitCode()).isIn(0, 1); // read at EOF returns 1 in dash
            t.output().drained().join();
            t.delete();
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static List<Long> zombieChildren() {
        long self = ProcessHandle.current().pid();
        return ProcFs.all().stream().filter(s -> s.ppid() == self && s.state() == 'Z').map(ProcFs.Stat::pid).toList();
    }
}
