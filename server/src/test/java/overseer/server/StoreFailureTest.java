package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.InMemoryStateStore;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.core.spi.StateStore;
import overseer.linux.NativeRuntime;
import overseer.wire.ServiceSpec;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The store fails under the daemon: no exit is lost, and no process runs that the store does not know. */
class StoreFailureTest {
    private final InMemoryStateStore real = new InMemoryStateStore();
    /** How many more calls of each method fail. */
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final StateStore flaky = (StateStore) Proxy.newProxyInstance(StateStore.class.getClassLoader(),
            new Class<?>[]{StateStore.class}, (proxy, m, args) -> {
                AtomicInteger left = failures.get(m.getName());
                if (left != null && left.getAndDecrement() > 0) {
                    throw OverseerException.internal("state store: disk I/O error (injected)", null);
                }
                try {
                    return m.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final Tasks tasks = new Tasks(new NativeRuntime());
    private final TaskService service;

    StoreFailureTest() throws Exception {
        service = new TaskService(tasks, flaky, Files.createTempDirectory("ovsf"));
    }

    @AfterEach
    void close() {
        service.close();
        tasks.close();
    }

    private Task run(String id, String... args) {
        service.create("default", ServiceSpec.of(TaskSpec.of(id, ProcessSpec.of(args))));
        return service.start("default", id);
    }

    @Test
    void aStoreErrorDelaysAnExitButNeverLosesIt() throws Exception {
        failures.put("exited", new AtomicInteger(6)); // more than the journal's quick retries
        Task first = run("first", "/bin/sh", "-c", "exit 3");
        assertThat(first.await(Duration.ofSeconds(20)).orElseThrow().exitCode()).isEqualTo(3);
        Task second = run("second", "/bin/sh", "-c", "exit 4");
        second.await(Duration.ofSeconds(20)).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> real.task("default", "first").orElseThrow().exit().isPresent()
                && real.task("default", "second").orElseThrow().exit().isPresent());
        assertThat(real.task("default", "first").orElseThrow().exit().orElseThrow().exitCode()).isEqualTo(3);
        assertThat(real.task("default", "second").orElseThrow().exit().orElseThrow().exitCode()).isEqualTo(4);
        assertThat(real.task("default", "first").orElseThrow().status()).isEqualTo(Status.STOPPED);
    }

    @Test
    void aStartTheStoreCannotRecordIsUndone() throws Exception {
        failures.put("started", new AtomicInteger(1));
        service.create("default", ServiceSpec.of(TaskSpec.of("unrecorded", ProcessSpec.of("/bin/sleep", "1000"))));
        assertThatThrownBy(() -> service.start("default", "unrecorded")).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
            assertThat(e.getMessage()).startsWith("state store: cannot record the start of default/unrecorded, so it was stopped");
        });
        Task t = tasks.get("default", "unrecorded");
        assertThat(t.await(Duration.ofSeconds(20))).as("the process does not run on").isPresent();
        // Its exit is reported before it is reaped (so a crash in between leaves the zombie to the monitor).
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(Path.of("/proc", Long.toString(t.pid()))));
    }
}
