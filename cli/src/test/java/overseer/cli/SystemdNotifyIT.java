package overseer.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.linux.SdNotify;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code overseer daemon} under systemd's Type=notify, as a real monitor and daemon JVM: the test binds the
 * datagram socket systemd would and hands it over in $NOTIFY_SOCKET (systemd itself is not needed).
 */
class SystemdNotifyIT {
    @TempDir
    Path dir;

    @Test
    void readyComesOnceTheApiAnswersAndStoppingOnSigterm() throws Exception {
        try (SdNotify.Listener systemd = SdNotify.Listener.bind(dir.resolve("notify").toString());
             RealDaemon d = new RealDaemon(dir, "--runtime", "native").env(SdNotify.ENV, systemd.address())) {
            List<String> got = new ArrayList<>();
            d.launch();
            OverseerClient c = d.client();
            await().atMost(RealDaemon.WAIT).until(() -> received(systemd, got).stream().anyMatch(m -> m.contains("READY=1")));
            // At the moment READY=1 is read, a client's first request is answered: no retry, no wait.
            assertThat(c.health().get("status").asString()).isEqualTo("ok");
            assertThat(got).noneMatch(m -> m.contains("STOPPING=1"));

            d.stopDaemon(); // SIGTERM to the monitor, the process systemd starts and signals
            await().atMost(RealDaemon.WAIT).until(() -> received(systemd, got).stream().anyMatch(m -> m.contains("STOPPING=1")));
            assertThat(got.stream().filter(m -> m.contains("READY=1"))).hasSize(1);
            assertThat(String.join("\n", got)).contains("STATUS=listening on " + d.socket());
        }
    }

    @Test
    void withoutNotifySocketNothingIsSentAndTheDaemonServes() throws Exception {
        try (RealDaemon d = new RealDaemon(dir, "--runtime", "native")) {
            OverseerClient c = d.start();
            assertThat(c.health().get("status").asString()).isEqualTo("ok");
            assertThat(Files.readString(d.state().resolve("daemon.pid")).strip()).isNotEmpty();
        }
    }

    private static List<String> received(SdNotify.Listener l, List<String> into) throws java.io.IOException {
        Optional<String> m;
        while ((m = l.poll()).isPresent()) {
            into.add(m.get());
        }
        return into;
    }
}
