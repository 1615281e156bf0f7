package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import overseer.core.InMemoryStateStore;
import overseer.core.Tasks;
import overseer.core.spi.StateStore;
import overseer.linux.NativeRuntime;
import overseer.linux.ProcStat;
import overseer.supervisor.Supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the ledger cannot take back is said, not dropped. */
class JobLedgerTest {
    private final Tasks tasks = new Tasks(new NativeRuntime());
    private final Supervisor supervisor = new Supervisor(tasks);
    private Process left;

    @AfterEach
    void stop() {
        if (left != null) {
            left.destroyForcibly();
        }
        supervisor.shutdown(Duration.ofSeconds(5));
        tasks.close();
    }

    /** A job whose stored arguments are refused now (a newer daemon is stricter): its running process is lost. */
    @Test
    void aJobWhoseArgumentsAreRefusedIsListedAsLost() throws Exception {
        left = new ProcessBuilder("/bin/sleep", "1000").start();
        long pid = left.pid();
        StateStore store = new InMemoryStateStore();
        store.createJob("bad", "", """
                {"id": "bad", "command": "core.system", "arguments": {"name": "/bin/sleep", "colour": "red"}}""",
                Optional.empty(), Instant.now());
        store.jobRun("bad", new StateStore.JobRun(pid, ProcStat.startTime(pid), Instant.now(), 0, 0, Optional.empty()));

        List<String> lost = new JobLedger(supervisor, store).recover();
        assertThat(lost).singleElement().asString().startsWith("job bad: arguments.colour");
        assertThat(supervisor.jobs()).isEmpty();
    }
}
