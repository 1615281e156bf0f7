package overseer.fleet;

import org.junit.jupiter.api.Test;
import overseer.core.OverseerException;
import overseer.supervisor.JobState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Three daemons on one nats-server: placement, de-duplication, queues, capacity and heartbeats. */
class FleetIT extends FleetFixture {

    @Test
    void commandsRunOnceEachAndAnyNodeAnswersForAny() {
        node("a", 4);
        node("b", 4);
        node("c", 4);
        int n = 60;
        for (int i = 0; i < n; i++) {
            assertThat(client.submit(sleep("c" + i, "0.2")).accepted()).isTrue();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> client.results().stream().filter(FleetResult::ended).count() == n);
        List<FleetResult> all = client.results();
        assertThat(all).hasSize(n).allSatisfy(r -> {
            assertThat(r.state()).isEqualTo("SUCCESS");
            assertThat(r.attempts()).hasSize(1);
            assertThat(r.attempts().getFirst().node()).isEqualTo(r.node());
            assertThat(r.result().orElseThrow().code()).isZero();
        });
        Map<String, Long> byNode = all.stream().collect(Collectors.groupingBy(FleetResult::node, Collectors.counting()));
        assertThat(byNode.keySet()).as("work spreads over the nodes: %s", byNode).hasSize(3);
        // Any connection answers for any id: a second client, as the CLI on another machine would be.
        try (FleetClient other = FleetClient.connect(nats.urls(), FLEET)) {
            assertThat(other.result("c7")).get().extracting(FleetResult::state).isEqualTo("SUCCESS");
        }
    }

    @Test
    void aSecondSubmitOfAnIdIsDuplicateWhileQueuedAndAfterItsResult() throws InterruptedException {
        assertThat(client.submit(sleep("dup", "0.1")).accepted()).isTrue();
        FleetClient.Receipt again = client.submit(sleep("dup", "0.1"));
        assertThat(again.state()).contains(JobState.DUPILICATE_ID); // QUEUED and within the window: the msg-id
        assertThat(client.result("dup")).get().extracting(FleetResult::state).isEqualTo(FleetResult.QUEUED);
        node("a", 1);
        assertThat(client.await("dup", Duration.ofSeconds(20))).get().extracting(FleetResult::state).isEqualTo("SUCCESS");
        assertThat(client.submit(sleep("dup", "0.1")).state()).contains(JobState.DUPILICATE_ID); // the results bucket
        assertThat(client.result("dup").orElseThrow().attempts()).hasSize(1);
    }

    @Test
    void aQueueRunsOneAtATimeInSubmissionOrderAcrossNodes() {
        node("a", 3);
        node("b", 3);
        node("c", 3);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = "q" + i;
            ids.add(id);
            String cmd = sleep(id, "0.05").replace("\"command\"", "\"queue\": \"serial\", \"command\"");
            assertThat(client.submit(cmd).accepted()).isTrue();
        }
        // Free commands beside the queue keep every node busy too: the queue must still hold its order.
        for (int i = 0; i < 10; i++) {
            client.submit(sleep("free" + i, "0.3"));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> client.result(id).map(FleetResult::ended).orElse(false)));
        List<Attempt> runs = ids.stream().map(id -> client.result(id).orElseThrow().attempts().getFirst()).toList();
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).startedAt()).as("q%d starts after q%d ended", i, i - 1)
                    .isGreaterThanOrEqualTo(runs.get(i - 1).endedAt());
        }
        assertThat(runs.stream().map(Attempt::node).collect(Collectors.toSet())).as("the queue is fleet-wide").hasSizeGreaterThan(1);
    }

    @Test
    void aNodeSelectorOrATagPlacesACommand() throws InterruptedException {
        node("a", 2);
        node("b", 2, "gpu");
        node("c", 2);
        for (int i = 0; i < 6; i++) {
            client.submit(sleep("on-c" + i, "0.05").replace("\"command\"", "\"node\": \"c\", \"command\""));
            client.submit(sleep("gpu" + i, "0.05").replace("\"command\"", "\"node\": \"tag:gpu\", \"command\""));
        }
        for (int i = 0; i < 6; i++) {
            assertThat(client.await("on-c" + i, Duration.ofSeconds(20))).get().extracting(FleetResult::node).isEqualTo("c");
            assertThat(client.await("gpu" + i, Duration.ofSeconds(20))).get().extracting(FleetResult::node).isEqualTo("b");
        }
        assertThatThrownBy(() -> client.submit(sleep("both", "1").replace("\"command\"",
                "\"node\": \"c\", \"queue\": \"q\", \"command\"")))
                .isInstanceOf(OverseerException.class).hasMessageContaining("node: \"c\" cannot be combined with queue \"q\"");
    }

    @Test
    void aNodeRunsNoMoreThanItsSlotsAndHeartbeatsItsLoad() {
        FleetNode a = node("a", 2);
        for (int i = 0; i < 6; i++) {
            client.submit(sleep("s" + i, "1"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.running().size() == 2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.nodes()).singleElement().satisfies(h -> {
            assertThat(h.node()).isEqualTo("a");
            assertThat(h.slots()).isEqualTo(2);
            assertThat(h.running()).hasSize(2);
            assertThat(h.pid()).isEqualTo(ProcessHandle.current().pid());
        }));
        Set<Integer> seen = new java.util.concurrent.ConcurrentSkipListSet<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            seen.add(a.running().size());
            return client.results().stream().filter(FleetResult::ended).count() == 6;
        });
        assertThat(seen).allMatch(s -> s <= 2);
        a.close();
        nodes.remove(a);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.nodes().isEmpty());
    }

    @Test
    void aNodePublishesItsCommandsAndTaskEventsOnItsEventsSubject() throws Exception {
        node("a", 1);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.urls().getFirst())) {
            nc.createDispatcher(m -> seen.add(new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8)))
                    .subscribe("overseer." + FLEET + ".events.a");
            nc.flush(Duration.ofSeconds(5));
            client.submit(sleep("ev", "0"));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(seen)
                    .anySatisfy(e -> assertThat(e).contains("\"type\":\"started\"").contains("\"id\":\"ev\""))
                    .anySatisfy(e -> assertThat(e).contains("\"type\":\"ended\"").contains("\"state\":\"SUCCESS\""))
                    .anySatisfy(e -> assertThat(e).contains("\"type\":\"task\"").contains("\"topic\":\"/tasks/exit\"")));
        }
    }

    @Test
    void aTaskSpecRunsThroughTheNodesDaemon() throws InterruptedException {
        node("a", 1);
        client.submit("{\"id\": \"t1\", \"node\": \"a\", \"task\": {\"process\": {\"args\": [\"/bin/sh\", \"-c\", \"echo from a task; exit 3\"]}}}");
        FleetResult r = client.await("t1", Duration.ofSeconds(30)).orElseThrow();
        assertThat(r.state()).isEqualTo("ERROR");
        assertThat(r.result().orElseThrow().code()).isEqualTo(1003);
        assertThat(r.result().orElseThrow().data()).isEqualTo("exit status 3");
        assertThat(r.result().orElseThrow().streams().getFirst()).isEqualTo("from a task");
    }

    @Test
    void aFailingCommandIsRetriedOnTheSameNodeByItsMaxRestart() throws InterruptedException {
        node("a", 1);
        client.submit("{\"id\": \"fails\", \"command\": \"core.system\", \"max_restart\": 2, "
                + "\"arguments\": {\"name\": \"/bin/sh\", \"args\": [\"-c\", \"exit 3\"]}}");
        FleetResult r = client.await("fails", Duration.ofSeconds(30)).orElseThrow();
        assertThat(r.state()).isEqualTo("ERROR");
        assertThat(r.result().orElseThrow().code()).isEqualTo(1003);
        assertThat(r.attempts()).as("restarts are the node's, not redeliveries").hasSize(1);
    }
}
