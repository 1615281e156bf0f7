package overseer.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** sd_notify datagrams over path and abstract Unix sockets, as systemd receives them. */
class SdNotifyTest {
    @Test
    void aDatagramReachesAPathSocket(@TempDir Path dir) throws IOException {
        try (SdNotify.Listener l = SdNotify.Listener.bind(dir.resolve("notify").toString())) {
            assertThat(l.poll()).isEmpty();
            SdNotify.send(l.address(), "READY=1");
            SdNotify.send(l.address(), "STATUS=serving\nMAINPID=1");
            assertThat(l.poll()).contains("READY=1");
            assertThat(l.poll()).contains("STATUS=serving\nMAINPID=1");
            assertThat(l.poll()).isEmpty();
        }
    }

    @Test
    void anAbstractNameIsWrittenWithAnAt() throws IOException {
        String name = "@overseer-sdnotify-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (SdNotify.Listener l = SdNotify.Listener.bind(name)) {
            SdNotify.send(name, "STOPPING=1");
            assertThat(l.poll()).contains("STOPPING=1");
        }
    }

    @Test
    void aMissingSocketIsAnErrorNamingIt(@TempDir Path dir) {
        String gone = dir.resolve("nobody-listens").toString();
        assertThatThrownBy(() -> SdNotify.send(gone, "READY=1")).isInstanceOf(IOException.class)
                .hasMessageContaining(gone).hasMessageContaining("ENOENT");
    }

    /** What systemd-notify(1) sends from another process arrives the same way: the wire format is systemd's. */
    @Test
    void systemdNotifyOfThisHostIsUnderstood(@TempDir Path dir) throws Exception {
        Path tool = Path.of("/usr/bin/systemd-notify");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(tool),
                "systemd-notify is not installed here");
        try (SdNotify.Listener l = SdNotify.Listener.bind(dir.resolve("n").toString());
             Tasks tasks = new Tasks(new NativeRuntime())) {
            Task t = tasks.run(TaskSpec.of("notify", ProcessSpec.builder(java.util.List.of(tool.toString(), "--ready"))
                    .env(Map.of(SdNotify.ENV, l.address())).build()));
            t.await(Duration.ofSeconds(30));
            java.util.concurrent.atomic.AtomicReference<Optional<String>> got = new java.util.concurrent.atomic.AtomicReference<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> { got.set(l.poll()); return got.get().isPresent(); });
            assertThat(got.get().get()).contains("READY=1");
        }
    }
}
