package overseer.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** /metrics per task: the series move as a real task runs, exits and is restarted. */
class MetricsIT extends DaemonFixture {
    /** One sample line of the text format: name{labels} value. */
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");

    @Test
    void perTaskSeriesMoveWhenATaskRunsExitsAndRestarts() throws Exception {
        http.send("POST", "/v1/namespaces/default/tasks", null, ("{\"id\": \"svc\", \"restart\": \"always\", \"process\": "
                + "{\"args\": [\"/bin/sh\", \"-c\", \"i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.2; exit 3\"]}}")
                .getBytes(StandardCharsets.UTF_8));
        http.send("POST", "/v1/namespaces/default/tasks/svc/start", null, null);
        String task = "{namespace=\"default\",id=\"svc\"}";
        await().atMost(Duration.ofSeconds(60)).until(() -> scrape().getOrDefault("overseer_task_restarts_total" + task, 0.0) >= 2);
        Map<String, Double> m = scrape();
        assertThat(m.get("overseer_task_exits_total{namespace=\"default\",id=\"svc\",code=\"3\"}")).isGreaterThanOrEqualTo(2);
        assertThat(m.keySet()).contains("overseer_task_state{namespace=\"default\",id=\"svc\",state=\"running\"}");
        double states = m.entrySet().stream().filter(e -> e.getKey().startsWith("overseer_task_state{namespace=\"default\",id=\"svc\""))
                .mapToDouble(Map.Entry::getValue).sum();
        assertThat(states).isEqualTo(1.0); // exactly one status at a time
        await().atMost(Duration.ofSeconds(30)).until(() -> scrape().getOrDefault("overseer_task_cpu_seconds_total" + task, -1.0) > 0);
        assertThat(scrape().get("overseer_task_pids" + task)).isGreaterThanOrEqualTo(1);
    }

    private Map<String, Double> scrape() throws IOException {
        var r = http.send("GET", "/metrics", null, null);
        assertThat(r.status()).isEqualTo(200);
        Map<String, Double> out = new HashMap<>();
        for (String line : r.text().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher s = SAMPLE.matcher(line);
            assertThat(s.matches()).as("a sample line: %s", line).isTrue();
            out.put(s.group(1) + (s.group(2) == null ? "" : s.group(2)), Double.parseDouble(s.group(3)));
        }
        return out;
    }
}
