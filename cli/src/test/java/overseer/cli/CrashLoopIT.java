package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.Isolation;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.wire.ServiceSpec;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A crash loop: the daemon JVM is SIGKILLed 25 times while 50 tasks, native and isolated, run and exit with
 * distinct codes. None is lost; every exit is true and recorded once (its exitedAt never changes); one
 * /tasks/exit per exit over all the daemons' lifetimes, read by a client that resumes with ?since=N.
 */
class CrashLoopIT {
    private static final Duration WAIT = RealDaemon.WAIT;
    private static final int TASKS = 50;
    private static final int CRASHES = 25;
    @TempDir
    Path dir;
    private RealDaemon daemon;
    private volatile boolean listening = true;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "isolated tasks need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "conmon is not installed (.ci/run installs it)");
        daemon = new RealDaemon(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        listening = false;
        if (daemon != null) {
            daemon.close();
        }
    }

    /** Follows /tasks/exit across daemons: reconnects with ?since=the last number it saw. */
    private void follow(OverseerClient c, Map<String, List<Long>> exits, AtomicLong last, CountDownLatch subscribed) {
        while (listening) {
            try {
                c.events(List.of("/tasks/exit"), "default", last.get(), e -> {
                    subscribed.countDown();
                    long seq = e.get("sequence").asLong();
                    assertThat(seq).as("event numbers rise across daemons").isGreaterThan(last.get());
                    last.set(seq);
                    exits.computeIfAbsent(e.get("event").get("id").asString(), k -> new ArrayList<>()).add(seq);
                    return listening;
                });
            } catch (RuntimeException daemonDown) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void noExitIsLostOrPublishedTwiceAcross25Crashes() throws Exception {
        OverseerClient c = daemon.start();

        Map<String, List<Long>> published = new ConcurrentHashMap<>();
        AtomicLong last = new AtomicLong(0);
        CountDownLatch subscribed = new CountDownLatch(1);
        Thread follower = Thread.ofVirtual().start(() -> follow(c, published, last, subscribed));

        Map<String, Integer> expected = new HashMap<>();
        for (int i = 0; i < TASKS; i++) {
            String id = "loop" + i;
            int code = i + 1;
            // Exits spread over the crash loop: 0.3 s to ~15 s after the start.
            String script = "sleep " + (0.3 * (i + 1)) + "; exit " + code;
            TaskSpec t = TaskSpec.of(id, ProcessSpec.of("/bin/sh", "-c", script));
            c.createTask("default", ServiceSpec.of(i % 2 == 0 ? t : t.withIsolation(Isolation.DEFAULT)));
            c.start("default", id);
            expected.put(id, code);
        }
        for (int crash = 0; crash < CRASHES; crash++) {
            daemon.crash();
        }
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            for (JsonNode t : c.tasks("default")) {
                if (!t.get("status").asString().equals("stopped")) {
                    return false;
                }
            }
            return true;
        });
        Map<String, String> exitedAt = new HashMap<>();
        for (JsonNode t : c.tasks("default")) {
            String id = t.get("id").asString();
            assertThat(t.get("exit").get("exitCode").asInt()).as(id).isEqualTo(expected.get(id));
            exitedAt.put(id, t.get("exit").get("exitedAt").asString());
        }
        assertThat(exitedAt).hasSize(TASKS);

        // One more crash: nothing is published again, and no exit time changes.
        daemon.crash();
        for (JsonNode t : c.tasks("default")) {
            assertThat(t.get("exit").get("exitedAt").asString()).isEqualTo(exitedAt.get(t.get("id").asString()));
        }
        // The marker's exit comes after every other: once it is seen, the follower has all it will get.
        c.createTask("default", ServiceSpec.of(TaskSpec.of("marker", ProcessSpec.of("/bin/true"))));
        c.start("default", "marker");
        await().atMost(WAIT).until(() -> published.containsKey("marker"));
        listening = false;
        follower.join(Duration.ofSeconds(10));
        published.forEach((id, seqs) -> assertThat(seqs).as("/tasks/exit of %s", id).hasSize(1));
        assertThat(subscribed.getCount()).isZero();
    }
}
