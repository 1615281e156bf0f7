package overseer.server;

import org.junit.jupiter.api.Test;
import overseer.core.InMemoryStateStore;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Status;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.core.spi.StateStore;
import overseer.core.spi.TaskRuntime;
import overseer.linux.NativeRuntime;
import overseer.wire.ServiceSpec;
import overseer.wire.SpecJson;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A task the runtime cannot take back now (no descriptor left for its pidfd, its runtime gone) may still
 * run: recovery reports it and leaves its record as it is, for a later start. It invents no exit.
 */
class RecoveryUnavailableTest {
    @Test
    void aTaskThatCannotBeWatchedNowKeepsItsRecordAndGetsNoExit() throws Exception {
        InMemoryStateStore store = new InMemoryStateStore();
        ServiceSpec spec = ServiceSpec.of(TaskSpec.of("web", ProcessSpec.of("/bin/sleep", "1000")));
        store.createTask(new StateStore.TaskRecord("default", "web", "native", SpecJson.stored(spec), Status.RUNNING,
                4242, 777, Optional.empty(), Instant.now()));
        NativeRuntime real = new NativeRuntime();
        TaskRuntime noDescriptors = (TaskRuntime) Proxy.newProxyInstance(TaskRuntime.class.getClassLoader(),
                new Class<?>[] {TaskRuntime.class}, (proxy, m, args) -> {
                    if (m.getName().equals("reattach")) {
                        throw OverseerException.unavailable("cannot watch pid 4242 again: pidfd_open: Too many open files");
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (Tasks tasks = new Tasks(noDescriptors)) {
            TaskService service = new TaskService(tasks, store, Files.createTempDirectory("ovru"));
            try {
                TaskRecovery.Recovery r = service.recover();
                assertThat(r.lost()).singleElement().asString().startsWith("default/web: cannot watch pid 4242 again")
                        .endsWith("(left as recorded: the next start tries again)");
                StateStore.TaskRecord after = store.task("default", "web").orElseThrow();
                assertThat(after.exit()).as("no exit invented").isEmpty();
                assertThat(after.status()).isEqualTo(Status.RUNNING);
                assertThat(after.pid()).isEqualTo(4242);
            } finally {
                service.close();
            }
        }
    }
}
