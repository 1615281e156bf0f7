package overseer.fleet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import overseer.linux.NativeRuntime;
import overseer.server.Daemon;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** kill -9 of a node (a daemon in its own JVM) in the middle of its commands: survivors rerun every one. */
class FleetKillIT extends FleetFixture {
    private Process victim;
    private final List<ProcessHandle> orphans = new ArrayList<>();

    @AfterEach
    void killVictim() {
        if (victim != null) {
            victim.destroyForcibly();
        }
        orphans.forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void aKilledNodesCommandsAreRerunOnSurvivorsAndResultsNameBothAttempts() throws Exception {
        victim = spawnNode(FLEET, "dead", 4, FleetConfig.DEFAULT_MAX_DELIVER);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.nodes().stream().anyMatch(h -> h.node().equals("dead")));
        int n = 24;
        for (int i = 0; i < n; i++) {
            client.submit(sleep("k" + i, "1.5"));
        }
        // The victim takes its four before the survivors join, so there is something to lose.
        await().atMost(Duration.ofSeconds(20)).until(() -> heartbeat("dead").map(h -> h.running().size() == 4).orElse(false));
        node("b", 3);
        node("c", 3);
        List<String> interrupted = heartbeat("dead").orElseThrow().running();
        orphans.addAll(victim.descendants().toList()); // its sleeps: reaped by the test, as the daemon is gone
        victim.destroyForcibly().waitFor(); // SIGKILL: no nak, no goodbye
        orphans.forEach(ProcessHandle::destroyForcibly);

        await().atMost(Duration.ofSeconds(60)).until(() -> client.results().stream().filter(FleetResult::ended).count() == n);
        assertThat(client.results()).hasSize(n).allSatisfy(r -> assertThat(r.state()).isEqualTo("SUCCESS"));
        for (String id : interrupted) {
            FleetResult r = client.result(id).orElseThrow();
            assertThat(r.attempts()).as("%s: %s", id, r.attempts()).hasSizeGreaterThanOrEqualTo(2);
            Attempt first = r.attempts().getFirst();
            assertThat(first.node()).isEqualTo("dead");
            assertThat(first.endedAt()).as("the dead node never ended it").isZero();
            Attempt last = r.attempts().getLast();
            assertThat(last.node()).isIn("b", "c").isEqualTo(r.node());
            assertThat(last.delivery()).isGreaterThan(first.delivery());
            assertThat(last.startedAt() - first.startedAt()).as("redelivered only after AckWait")
                    .isGreaterThanOrEqualTo(ACK_WAIT.toMillis() - 200);
        }
    }

    private Optional<Heartbeat> heartbeat(String node) {
        return client.nodes().stream().filter(h -> h.node().equals(node)).findFirst();
    }

    @Test
    void aCommandPastMaxDeliverEndsInErrorAndLeavesTheStream() throws Exception {
        String fleet = "md";
        victim = spawnNode(fleet, "dead", 1, 1);
        try (FleetClient md = FleetClient.connect(nats.urls(), fleet, 1, ACK_WAIT, 1)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> md.nodes().stream().anyMatch(h -> h.node().equals("dead")));
            md.submit(sleep("once", "30"));
            await().atMost(Duration.ofSeconds(20)).until(() -> md.nodes().stream()
                    .anyMatch(h -> h.node().equals("dead") && h.running().contains("once")));
            orphans.addAll(victim.descendants().toList());
            victim.destroyForcibly().waitFor();
            orphans.forEach(ProcessHandle::destroyForcibly);
            Daemon d = new Daemon(new NativeRuntime(), dir.resolve("run-b/overseer.sock"), dir.resolve("state-b"), true);
            daemons.add(d);
            nodes.add(FleetNode.join(d.supervisor(), FleetConfig.of(nats.urls(), fleet, "b", 1).withAckWait(ACK_WAIT).withMaxDeliver(1)));
            FleetResult r = md.await("once", Duration.ofSeconds(30)).orElseThrow();
            assertThat(r.state()).isEqualTo("ERROR");
            assertThat(r.result().orElseThrow().data()).contains("MaxDeliver 1");
            assertThat(r.attempts()).singleElement().extracting(Attempt::node).isEqualTo("dead");
            // Gone from the work queue: the next command runs on b, nothing is stuck before it.
            md.submit(sleep("next", "0"));
            assertThat(md.await("next", Duration.ofSeconds(20))).get().extracting(FleetResult::node).isEqualTo("b");
        }
    }

    private Process spawnNode(String fleet, String node, int slots, int maxDeliver) throws IOException {
        Path home = dir.resolve("proc-" + node);
        Files.createDirectories(home);
        String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp, FleetNodeMain.class.getName(),
                String.join(",", nats.urls()), fleet, node, String.valueOf(slots), String.valueOf(ACK_WAIT.toMillis()),
                home.toString(), String.valueOf(maxDeliver))
                .redirectErrorStream(true).redirectOutput(home.resolve("node.log").toFile()).start();
    }
}
