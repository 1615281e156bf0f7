package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * /metrics as Prometheus reads it: every scrape is parsed by the Prometheus project's own text parser
 * (python3-prometheus-client, run as a real process), and the series move as real tasks run, exit, are
 * restarted and are OOM-killed under a real cgroup memory limit.
 */
class MetricsTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** The parser's view of a scrape: one JSON object per sample, with its family's name and type. */
    private static final String PARSE = """
            import json, math, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for f in text_string_to_metric_families(sys.stdin.read()):
                for s in f.samples:
                    v = s.value if math.isfinite(s.value) else str(s.value)
                    out.append({"family": f.name, "type": f.type, "name": s.name, "labels": s.labels, "value": v})
            print(json.dumps(out))
            """;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    /** Memory limits make a cgroup per task: under a parent of this test's, removed after it. */
    private final String cgroupParent = "overseer-test-metrics-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private Daemon daemon;
    private UnixHttp http;

    @BeforeEach
    void startDaemon() {
        assumeTrue(Files.isExecutable(PYTHON) && parserInstalled(),
                "python3-prometheus-client is not installed (.ci/run installs it): no Prometheus parser to read /metrics with");
        daemon = new Daemon(new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cgroupParent)),
                dir.resolve("run/overseer.sock"), dir.resolve("state"), true);
        http = new UnixHttp(daemon.socket());
    }

    @AfterEach
    void stopDaemon() throws IOException {
        try {
            if (daemon != null) {
                daemon.close(); // --stop-tasks: every task stopped and deleted, its cgroup with it
            }
        } finally {
            removeCgroupParent();
        }
    }

    @Test
    void perTaskSeriesMoveWhenATaskRunsExitsAndRestarts() throws Exception {
        create("{\"id\": \"svc\", \"restart\": \"always\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", "
                + "\"i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.2; exit 3\"]}}");
        start("svc");
        Map<String, String> svc = task("svc");
        await().atMost(WAIT).until(() -> scrape().value("overseer_task_restarts_total", svc) >= 2);
        Scrape m = scrape();
        assertThat(m.value("overseer_task_exits_total", with(svc, "code", "3"))).isGreaterThanOrEqualTo(2);
        assertThat(m.samples("overseer_task_state", svc)).hasSize(6);
        assertThat(m.samples("overseer_task_state", svc).stream().mapToDouble(Sample::value).sum())
                .as("exactly one status at a time").isEqualTo(1.0);
        assertThat(m.type("overseer_task_restarts")).isEqualTo("counter");
        assertThat(m.type("overseer_task_state")).isEqualTo("gauge");
        // Runtime counters are there while a run runs (between restarts they are not): seen together in one scrape.
        await().atMost(WAIT).until(() -> {
            Scrape running = scrape();
            return running.value("overseer_task_cpu_seconds_total", svc) > 0 && running.value("overseer_task_pids", svc) >= 1;
        });
    }

    @Test
    void theDaemonsOwnSeriesCountRequestsByRouteTemplateAndStoreWrites() throws Exception {
        create("{\"id\": \"once\", \"process\": {\"args\": [\"/bin/true\"]}}");
        start("once");
        await().atMost(WAIT).until(() -> scrape().value("overseer_task_exits_total", with(task("once"), "code", "0")) == 1);
        // An event stream: the replay of the first event since 0, then closed; its subscriber is named api-events.
        new overseer.client.OverseerClient(daemon.socket()).events(List.of("/tasks/*"), "default", 0, e -> false);
        assertThat(http.send("GET", "/v1/namespaces/default/tasks/nope", null, null).status()).isEqualTo(404);
        assertThat(http.send("GET", "/no/such/route", null, null).status()).isEqualTo(404);

        Map<String, String> started = Map.of("method", "POST", "route", "/v1/namespaces/{ns}/tasks/{id}/start", "status", "200");
        Map<String, String> noTask = Map.of("method", "GET", "route", "/v1/namespaces/{ns}/tasks/{id}", "status", "404");
        Map<String, String> noRoute = Map.of("method", "GET", "route", "unmatched", "status", "404");
        // A request is counted once its answer is sent: a scrape just after it may come a moment early.
        await().atMost(WAIT).until(() -> scrape().value("overseer_api_request_duration_seconds_count", noRoute) == 1);
        Scrape m = scrape();
        assertThat(m.type("overseer_api_request_duration_seconds")).isEqualTo("histogram");
        assertThat(m.value("overseer_api_request_duration_seconds_count", started)).isEqualTo(1);
        assertThat(m.value("overseer_api_request_duration_seconds_sum", started)).isPositive();
        assertThat(m.value("overseer_api_request_duration_seconds_count", noTask)).isEqualTo(1);
        // The route is the template, never the raw path: the ids clients send do not make series.
        assertThat(m.all()).filteredOn(s -> s.labels().containsKey("route"))
                .allSatisfy(s -> assertThat(s.labels().get("route")).doesNotContain("once", "nope", "/no/such"));
        assertThat(m.value("overseer_store_write_duration_seconds_count", Map.of("operation", "createTask"))).isEqualTo(1);
        assertThat(m.value("overseer_store_write_duration_seconds_count", Map.of("operation", "exited"))).isEqualTo(1);
        assertThat(m.value("overseer_event_bus_dropped_total", Map.of("subscriber", "api-events"))).isZero();
        assertThat(m.type("overseer_event_bus_dropped")).isEqualTo("counter");
        histogramsAreCumulative(m);
    }

    @Test
    void anOomKillMovesTheOomCounterAndTheExitAndStaysPastTheRun() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "memory limits are cgroups, which need root");
        // tail buffers /dev/zero, which has no newline, until the kernel kills it: in "child" the shell survives it
        // and runs on; in "init" tail is the task's own process (exec), so the OOM kill is the task's exit.
        create("{\"id\": \"child\", \"resources\": {\"memoryBytes\": 16777216}, \"process\": {\"args\": [\"/bin/sh\", \"-c\", "
                + "\"tail < /dev/zero; exec sleep 1000\"]}}");
        create("{\"id\": \"init\", \"resources\": {\"memoryBytes\": 16777216}, \"process\": {\"args\": [\"/bin/sh\", \"-c\", "
                + "\"exec tail < /dev/zero\"]}}");
        Map<String, String> child = task("child");
        Map<String, String> init = task("init");
        assertThat(scrape().value("overseer_task_oom_kills_total", child)).isZero();
        start("child");
        start("init");

        await().atMost(WAIT).until(() -> scrape().value("overseer_task_exits_total", with(init, "code", "137")) == 1);
        await().atMost(WAIT).until(() -> scrape().value("overseer_task_oom_kills_total", child) == 1);
        Scrape m = scrape();
        assertThat(m.value("overseer_task_oom_kills_total", init)).as("counted after the task stopped").isEqualTo(1);
        assertThat(m.value("overseer_task_state", with(init, "state", "stopped"))).isEqualTo(1);
        assertThat(m.value("overseer_task_state", with(child, "state", "running"))).isEqualTo(1);
        assertThat(m.value("overseer_task_memory_limit_bytes", child)).isEqualTo(16777216);
        assertThat(m.value("overseer_task_memory_peak_bytes", child)).isGreaterThan(8 << 20);
        JsonNode exit = json("GET", "/v1/namespaces/default/tasks/init").get("exit");
        assertThat(exit.get("oomKilled").asBoolean()).isTrue();

        // `overseer stats` reads /stats: the same numbers as /metrics (cpu only grows between the two reads).
        JsonNode stats = json("GET", "/v1/namespaces/default/tasks/child/stats");
        Scrape after = scrape();
        assertThat(after.value("overseer_task_memory_limit_bytes", child)).isEqualTo(stats.get("memoryLimitBytes").asDouble());
        assertThat(after.value("overseer_task_memory_peak_bytes", child)).isEqualTo(stats.get("memoryMaxUsageBytes").asDouble());
        assertThat(after.value("overseer_task_pids", child)).isEqualTo(stats.get("pids").asDouble());
        assertThat(after.value("overseer_task_cpu_seconds_total", child))
                .isGreaterThanOrEqualTo(stats.get("cpuUsageNs").asLong() / 1e9);
        assertThat(stats.get("oomKills").asLong()).isEqualTo(1); // the cgroup's own count, for this run
    }

    /** Each histogram's buckets never decrease, and its +Inf bucket is its count. */
    private static void histogramsAreCumulative(Scrape m) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        for (Sample s : m.all()) {
            if (s.type().equals("histogram") && s.name().endsWith("_bucket")) {
                Map<String, String> series = new TreeMap<>(s.labels());
                series.remove("le");
                series.put("__name__", s.family());
                buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            }
        }
        assertThat(buckets).isNotEmpty();
        buckets.forEach((series, bs) -> {
            assertThat(bs.stream().mapToDouble(Sample::value).toArray()).as("%s", series).isSorted();
            Map<String, String> labels = new TreeMap<>(series);
            String family = labels.remove("__name__");
            assertThat(bs.getLast().labels().get("le")).isEqualTo("+Inf");
            assertThat(bs.getLast().value()).isEqualTo(m.value(family + "_count", labels));
        });
    }

    private void create(String body) throws IOException {
        assertThat(http.send("POST", "/v1/namespaces/default/tasks", null, body.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(201);
    }

    private void start(String id) throws IOException {
        assertThat(http.send("POST", "/v1/namespaces/default/tasks/" + id + "/start", null, null).status()).isEqualTo(200);
    }

    private JsonNode json(String method, String path) throws IOException {
        UnixHttp.Response r = http.send(method, path, null, null);
        assertThat(r.status()).as("%s %s: %s", method, path, r.text()).isEqualTo(200);
        return overseer.wire.Json.MAPPER.readTree(r.text());
    }

    private static Map<String, String> task(String id) {
        return Map.of("namespace", "default", "id", id);
    }

    private static Map<String, String> with(Map<String, String> labels, String name, String value) {
        Map<String, String> out = new TreeMap<>(labels);
        out.put(name, value);
        return out;
    }

    /** One sample as the parser gave it. */
    record Sample(String family, String type, String name, Map<String, String> labels, double value) {
    }

    /** A parsed scrape. */
    record Scrape(List<Sample> all) {
        List<Sample> samples(String name, Map<String, String> labels) {
            return all.stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                    .toList();
        }

        /** The one sample with exactly these labels, or -1 when there is none. */
        double value(String name, Map<String, String> labels) {
            List<Sample> exact = all.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).toList();
            assertThat(exact.size()).as("samples of %s%s", name, labels).isLessThanOrEqualTo(1);
            return exact.isEmpty() ? -1 : exact.getFirst().value();
        }

        /** The TYPE of a family, by the parser's name for it (a counter's without _total). */
        String type(String family) {
            return all.stream().filter(s -> s.family().equals(family)).map(Sample::type).findFirst()
                    .orElseThrow(() -> new AssertionError("no family " + family));
        }
    }

    /** GET /metrics, parsed by prometheus_client; a scrape it cannot parse fails the test with its error. */
    private Scrape scrape() throws IOException, InterruptedException {
        UnixHttp.Response r = http.send("GET", "/metrics", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type")).startsWith("text/plain; version=0.0.4");
        Path text = Files.writeString(dir.resolve("scrape.txt"), r.text());
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", PARSE).redirectInput(text.toFile())
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("the Prometheus parser on the scrape: %s\n%s", err, r.text()).isZero();
        List<Sample> samples = new ArrayList<>();
        for (JsonNode s : overseer.wire.Json.MAPPER.readTree(out)) {
            Map<String, String> labels = new TreeMap<>();
            s.get("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
            JsonNode v = s.get("value");
            samples.add(new Sample(s.get("family").asString(), s.get("type").asString(), s.get("name").asString(), labels,
                    v.isNumber() ? v.asDouble() : Double.parseDouble(v.asString())));
        }
        return new Scrape(samples);
    }

    private static boolean parserInstalled() {
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import prometheus_client.parser")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The parent's now empty directories, deepest first, in every hierarchy. */
    private void removeCgroupParent() throws IOException {
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve(cgroupParent);
                if (!Files.isDirectory(parent)) {
                    continue;
                }
                try (Stream<Path> dirs = Files.walk(parent)) {
                    for (Path d : dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(d);
                    }
                }
            }
        }
    }
}
