package overseer.linux;

import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.core.spi.TaskRuntime;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A process that cannot be watched for want of a descriptor is not thereby gone: taking it back is refused
 * as UNAVAILABLE (so the daemon invents no exit for it), and succeeds once descriptors are free again.
 */
class AdoptWithoutDescriptorsTest {
    @Test
    void emfileIsUnavailableNotGone() throws Exception {
        // Not the JVM's child (its reaper would race the adoption): a sleep its shell left to init.
        Process sh = new ProcessBuilder("/bin/sh", "-c", "/bin/sleep 1000 >/dev/null 2>&1 & echo $!").start();
        long pid = Long.parseLong(new String(sh.getInputStream().readAllBytes()).strip());
        sh.waitFor();
        try (NativeRuntime runtime = new NativeRuntime()) {
            long start = ProcFs.startTime(pid).orElseThrow();
            TaskSpec spec = TaskSpec.of("adopt-emfile", ProcessSpec.of("/bin/sleep", "1000"));
            // Every class the call needs is loaded first (loading opens jars): pid 1 with a start time that is
            // not its own takes the same path to "gone".
            assertThat(runtime.reattach("ns", spec, new ProcessOutput(spec.process()), 1, start + 1).exit()
                    .get(10, TimeUnit.SECONDS)).isEmpty();
            OverseerException.unavailable("warm %d %s", 1, Errnos.describe(24)).getMessage();
            new LibC.Errno("warm", 24).getMessage();
            FileLimit before = FileLimit.current();
            OverseerException refused = null;
            ProcessOutput output = new ProcessOutput(spec.process());
            // Soft limit 0: no new descriptor at all, for the moment of the call (the JVM's open ones stay).
            LibC.setrlimit(LibC.RLIMIT_NOFILE, 0, before.hard());
            try {
                runtime.reattach("ns", spec, output, pid, start);
            } catch (OverseerException e) {
                refused = e;
            } finally {
                LibC.setrlimit(LibC.RLIMIT_NOFILE, before.soft(), before.hard());
            }
            assertThat(refused).as("refused, not taken for gone").isNotNull();
            assertThat(refused.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
            assertThat(refused.getMessage()).contains("pidfd_open");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

            TaskRuntime.Adopted again = runtime.reattach("ns", spec, new ProcessOutput(spec.process()), pid, start);
            assertThat(again.exit()).isNotDone();
            kill(pid);
            assertThat(again.exit().get(10, TimeUnit.SECONDS)).as("watched: its end is seen").isNotNull();
        } finally {
            kill(pid);
        }
    }

    private static void kill(long pid) {
        Pidfd.open(pid).ifPresent(p -> {
            try (p) {
                p.signal(overseer.core.Signal.SIGKILL);
            }
        });
    }
}
