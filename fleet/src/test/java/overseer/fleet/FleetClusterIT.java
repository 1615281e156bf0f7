package overseer.fleet;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A 3-server JetStream cluster, stream and buckets at R=3: losing one server of three loses nothing. */
class FleetClusterIT extends FleetFixture {
    @Override
    NatsServers servers(Path at) throws IOException {
        return NatsServers.cluster(at);
    }

    @Override
    int replicas() {
        return 3;
    }

    @Test
    void killingOneNatsServerOfThreeKeepsTheFleetWorking() throws Exception {
        node("a", 3);
        node("b", 3);
        node("c", 3);
        int half = 30;
        for (int i = 0; i < half; i++) {
            assertThat(client.submit(sleep("before" + i, "0.2")).accepted()).isTrue();
        }
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> client.results().stream().filter(FleetResult::ended).count() >= 10);
        nats.kill(0); // kill -9 (readers of the buckets retry while the two left elect: ignoreExceptions), possibly the meta leader or a stream's leader: the other two elect anew
        for (int i = 0; i < half; i++) {
            String id = "after" + i;
            // A publish during the election may time out; the same id again is safe (the msg-id de-duplicates).
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> client.submit(sleep(id, "0.2")) != null);
        }
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> client.results().stream().filter(FleetResult::ended).count() == 2L * half);
        // A read may still meet an election (UNAVAILABLE, a timeout): readers retry, as the CLI's user would.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(client.results())
                .hasSize(2 * half).allSatisfy(r -> assertThat(r.state()).isEqualTo("SUCCESS")));
    }
}
