package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import overseer.supervisor.Diagnostics;
import overseer.supervisor.Job;
import overseer.supervisor.JobResult;
import overseer.supervisor.JobSpec;
import overseer.supervisor.Supervisor;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code overseer run}'s exit code for a job stopped before its process started, from real jobs' ends. */
class RunExitCodeTest {
    private final Tasks tasks = new Tasks(new NativeRuntime());
    private final Supervisor pm = new Supervisor(tasks, "run-exit-" + ProcessHandle.current().pid());

    @AfterEach
    void tearDown() {
        pm.shutdown(Duration.ofSeconds(5));
        tasks.close();
    }

    private static Optional<Diagnostics.ExitLogEntry> last(Job job) {
        return job.diagnostics().exitLog().stream().reduce((a, b) -> b);
    }

    private static OptionalInt code(Job job, JobResult r, Optional<Signal> came) {
        return RunCommand.stoppedBeforeItRan(r, last(job), came);
    }

    @Test
    void aJobStoppedBeforeItsProcessStartedEndsAs128PlusTheSignal() throws Exception {
        Job ahead = pm.run(JobSpec.builder("ahead").command(c -> c.queue("q"))
                .process(ProcessSpec.builder("/bin/sleep", "1000").build()).build());
        Job waiting = pm.run(JobSpec.builder("waiting").command(c -> c.queue("q"))
                .process(ProcessSpec.builder("/bin/true").build()).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> ahead.pid() > 0);
        waiting.kill();
        JobResult r = waiting.await();
        assertThat(code(waiting, r, Optional.of(Signal.SIGTERM))).hasValue(143);
        assertThat(code(waiting, r, Optional.empty())).as("^C when the signal is not known").hasValue(130);

        ahead.kill();
        JobResult ran = ahead.await();
        assertThat(code(ahead, ran, Optional.of(Signal.SIGTERM))).as("it ran: its own exit says").isEmpty();
    }

    @Test
    void aJobThatCouldNotStartIsNotTakenForAStop() throws Exception {
        Job job = pm.run(JobSpec.builder("nobin").process(ProcessSpec.builder("/no/such/program").build()).build());
        JobResult r = job.await();
        assertThat(code(job, r, Optional.of(Signal.SIGINT))).isEmpty();
    }
}
