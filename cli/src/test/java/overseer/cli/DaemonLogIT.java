package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import overseer.client.OverseerClient;
import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The daemon's stderr, line by line, from real daemon JVMs: a service file applied and reloaded, a task that
 * exits and is restarted by its policy, one OOM-killed under a real memory limit, an API error, a stop, and a
 * second daemon's recovery summary (one task still running, one that exited while no daemon ran). Every line
 * is one event in the chosen format; not one is a JUL two-liner or a logging library's complaint.
 */
class DaemonLogIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** One logfmt pair: a bare value, or a quoted one with backslash escapes. */
    private static final Pattern PAIR = Pattern.compile("([a-z_]+)=(\"(?:[^\"\\\\]|\\\\.)*\"|[^\\s\"=]*)");

    @TempDir
    Path dir;
    private final String cgroupParent = "overseer-test-log-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private Tasks jvms;
    private Task daemon;

    @BeforeEach
    void setUp() {
        assumeTrue("root".equals(System.getProperty("user.name")), "the OOM kill needs a cgroup memory limit, which needs root");
        jvms = new Tasks(new NativeRuntime());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (jvms == null) {
            return;
        }
        try {
            if (daemon != null && daemon.exit().isEmpty()) {
                daemon.kill(Signal.SIGTERM, false);
                if (daemon.await(WAIT).isEmpty()) {
                    daemon.kill(Signal.SIGTERM, false); // a monitor waiting for tasks: the second one ends it
                    daemon.await(WAIT);
                }
            }
            if (Files.exists(dir.resolve("st/state.db"))) {
                // Whatever a failed test left: one more daemon takes it back, and stops and deletes it.
                Task cleaner = serve("cleaner", "logfmt", "--stop-tasks");
                cleaner.kill(Signal.SIGTERM, false);
                cleaner.await(WAIT);
            }
        } finally {
            jvms.close();
            RealDaemon.removeCgroupParent(cgroupParent);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"logfmt", "json"})
    void everyLifecycleEventIsOneLineAndNothingElseIsOnStderr(String format) throws Exception {
        Path services = Files.createDirectories(dir.resolve("services"));
        Files.writeString(services.resolve("app.yaml"), """
                services:
                  - name: web
                    command: [/bin/sleep, "1000"]
                    restart: always
                """);
        // As operators run it: a monitor and its daemon (one stderr), so that an exit while no daemon runs is recorded.
        daemon = launch("first", format, "--services", services.toString());
        OverseerClient c = client();
        await().atMost(WAIT).ignoreExceptions().until(() -> c.task("default", "web").get("status").asString().equals("running"));

        c.createTask("default", JSON.readTree("""
                {"id": "crash", "restart": "on-failure:1", "process": {"args": ["/bin/sh", "-c", "exit 3"]}}"""));
        c.start("default", "crash");
        await().atMost(WAIT).until(() -> c.task("default", "crash").get("service").get("restarts").asInt() == 1
                && c.task("default", "crash").get("status").asString().equals("stopped"));
        c.createTask("default", JSON.readTree("""
                {"id": "oom", "resources": {"memoryBytes": 16777216},
                 "process": {"args": ["/bin/sh", "-c", "exec tail < /dev/zero"]}}"""));
        c.start("default", "oom");
        assertThat(c.await("default", "oom", WAIT).oomKilled()).isTrue();
        try {
            c.task("default", "nope");
            fail("a task that does not exist was found");
        } catch (OverseerException expected) {
            // its line is the API error
        }
        Files.writeString(services.resolve("app.yaml"), """
                services:
                  - name: web
                    command: [/bin/sleep, "2000"]
                    restart: always
                """);
        c.reload();
        Path go = dir.resolve("go");
        c.createTask("default", JSON.readTree("{\"id\": \"waiter\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", "
                + "\"while [ ! -e " + go + " ]; do sleep 0.05; done; exit 7\"]}}"));
        long waiter = c.start("default", "waiter").get("pid").asLong();

        long daemonPid = Long.parseLong(Files.readString(dir.resolve("st/daemon.pid")).strip());
        daemon.kill(Signal.SIGTERM, false); // the daemon stops, its tasks keep running, the monitor records their exits
        await().atMost(WAIT).until(() -> ProcessHandle.of(daemonPid).isEmpty());
        Files.writeString(go, "");
        await().atMost(WAIT).until(() -> ProcessHandle.of(waiter).isEmpty()); // reaped by the monitor, its exit recorded
        stop(daemon); // a second SIGTERM: the monitor goes without waiting for web
        // The second daemon logs at debug: the libraries' lines show too, each one line of the same format.
        daemon = serve("second", format, "--stop-tasks", "--log-level", "debug");
        stop(daemon);

        List<Map<String, String>> first = lines("first", format);
        inOrder(first, "",
                Map.of("level", "info", "msg", "recovery", "tasks", "0", "readopted", "0", "exited_while_down", "0", "lost", "0"),
                Map.of("level", "info", "msg", "daemon started", "socket", sock().toString(), "runtime", "native"),
                Map.of("msg", "services reloaded", "started", "web"),
                Map.of("level", "warn", "msg", "api error", "method", "GET", "route", "/v1/namespaces/{ns}/tasks/{id}",
                        "status", "404", "kind", "not_found", "error", "task does not exist: default/nope"),
                Map.of("msg", "services reloaded", "restarted", "web", "started", ""),
                Map.of("level", "info", "msg", "daemon stopping", "stop_tasks", "false"),
                Map.of("level", "info", "msg", "daemon stopped"),
                Map.of("level", "info", "msg", "monitor recording exits"));
        inOrder(first, "web", created("web"), started("web"), exited("web", "143", "SIGTERM", "false"), started("web"));
        inOrder(first, "crash", created("crash"), started("crash"), exited("crash", "3", "", "false"),
                Map.of("level", "info", "msg", "task restarted", "namespace", "default", "id", "crash", "attempt", "1",
                        "delay", "100ms"),
                started("crash"), exited("crash", "3", "", "false"));
        inOrder(first, "oom", created("oom"), Map.of("level", "warn", "msg", "task oom kill", "namespace", "default", "id", "oom"));
        inOrder(first, "oom", started("oom"), exited("oom", "137", "SIGKILL", "true"));
        assertThat(first).as("at info, the libraries' start-up lines are held back").noneMatch(l -> l.containsKey("logger"));

        List<Map<String, String>> second = lines("second", format);
        inOrder(second, "",
                Map.of("level", "info", "msg", "recovery", "tasks", "4", "readopted", "1", "exited_while_down", "1",
                        "already_exited", "2", "created", "0", "lost", "0"),
                Map.of("level", "info", "msg", "daemon started"),
                Map.of("level", "info", "msg", "daemon stopping", "stop_tasks", "true"),
                Map.of("level", "info", "msg", "daemon stopped"));
        // What no daemon saw, with its true code from the monitor's record, published (and logged) once.
        inOrder(second, "waiter", exited("waiter", "7", "", "false"));
        assertThat(second).filteredOn(l -> "waiter".equals(l.get("id"))).hasSize(1);
        assertThat(second).as("Helidon's own lines, through the JUL bridge, at debug")
                .anyMatch(l -> l.getOrDefault("logger", "").startsWith("io.helidon.webserver"));
    }

    @Test
    void badLogFlagsAreRefusedByName() throws Exception {
        Task level = jvm("bad-level", "daemon", "--serve", "--socket", sock().toString(), "--state-dir", dir.resolve("st").toString(),
                "--log-level", "loud");
        assertThat(level.await(WAIT).map(Exit::exitCode)).contains(2);
        assertThat(Files.readString(err("bad-level")))
                .contains("--log-level: expected trace, debug, info, warn or error, got \"loud\"").doesNotContain("Exception");
        Task format = jvm("bad-format", "daemon", "--serve", "--socket", sock().toString(), "--state-dir", dir.resolve("st").toString(),
                "--log-format", "xml");
        assertThat(format.await(WAIT).map(Exit::exitCode)).contains(2);
        assertThat(Files.readString(err("bad-format"))).contains("--log-format: expected logfmt or json, got \"xml\"");
        assertThat(dir.resolve("st/state.db")).as("refused before anything was made").doesNotExist();
    }

    /** The log's two settings from the --config file, as the other daemon settings; a flag still wins. */
    @Test
    void theLogSettingsComeFromTheConfigFileToo() throws Exception {
        Path conf = dir.resolve("daemon.properties");
        Files.writeString(conf, "log-format=json\nlog-level=debug\n");
        Task daemon = jvm("from-config", "daemon", "--serve", "--socket", sock().toString(), "--state-dir",
                dir.resolve("st").toString(), "--runtime", "native", "--cgroup-parent", cgroupParent, "--config", conf.toString());
        OverseerClient c = client();
        await().atMost(WAIT).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
        stop(daemon);
        List<String> lines = Files.readAllLines(err("from-config"));
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
        assertThat(lines).anyMatch(l -> l.contains("\"level\":\"debug\""));

        Files.writeString(conf, "log-level=loud\n");
        Task bad = jvm("bad-config", "daemon", "--serve", "--socket", sock().toString(), "--state-dir",
                dir.resolve("st").toString(), "--config", conf.toString());
        assertThat(bad.await(WAIT).map(Exit::exitCode)).contains(2);
        assertThat(Files.readString(err("bad-config")))
                .contains("log-level (in " + conf + "): expected trace, debug, info, warn or error, got \"loud\"");
    }

    private static Map<String, String> created(String id) {
        return Map.of("level", "info", "msg", "task created", "namespace", "default", "id", id);
    }

    private static Map<String, String> started(String id) {
        return Map.of("level", "info", "msg", "task started", "namespace", "default", "id", id);
    }

    private static Map<String, String> exited(String id, String code, String signal, String oom) {
        return Map.of("level", "info", "msg", "task exited", "namespace", "default", "id", id, "code", code, "signal", signal,
                "oom", oom);
    }

    /**
     * The lines of {@code id} (every line when empty) hold {@code expected} in this order, each a line that has
     * at least those fields with those values; other lines may come between.
     */
    @SafeVarargs
    private static void inOrder(List<Map<String, String>> lines, String id, Map<String, String>... expected) {
        List<Map<String, String>> of = id.isEmpty() ? lines : lines.stream().filter(l -> id.equals(l.get("id"))).toList();
        int at = 0;
        for (Map<String, String> e : expected) {
            while (at < of.size() && !of.get(at).entrySet().containsAll(e.entrySet())) {
                at++;
            }
            assertThat(at).as("a line %s after the ones before it, in:\n%s", e, String.join("\n", of.stream()
                    .map(Map::toString).toList())).isLessThan(of.size());
            at++;
        }
    }

    /** A daemon's stderr, every line parsed strictly in its format; a line that does not parse fails the test. */
    private List<Map<String, String>> lines(String name, String format) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : Files.readAllLines(err(name))) {
            assertThat(line).doesNotContain("SLF4J", "StaticLoggerBinder", "Helidon logging implementation")
                    .doesNotStartWith("INFO: ").doesNotStartWith("WARNING: ").doesNotStartWith("SEVERE: ");
            Map<String, String> fields = format.equals("json") ? json(line) : logfmt(line);
            assertThat(new ArrayList<>(fields.keySet()).subList(0, 3)).as(line).containsExactly("time", "level", "msg");
            assertThat(fields.get("time")).as(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(fields.get("level")).as(line).isIn("trace", "debug", "info", "warn", "error");
            out.add(fields);
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    /** A logfmt line: pairs separated by one space, the whole line and nothing else. */
    private static Map<String, String> logfmt(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(line);
        int at = 0;
        while (at < line.length()) {
            assertThat(m.find(at) && m.start() == at).as("a key=value pair at %d of: %s", at, line).isTrue();
            String v = m.group(2);
            if (v.startsWith("\"")) {
                v = v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\");
            }
            assertThat(fields.put(m.group(1), v)).as("one %s in: %s", m.group(1), line).isNull();
            at = m.end();
            if (at < line.length()) {
                assertThat(line.charAt(at)).as(line).isEqualTo(' ');
                at++;
            }
        }
        return fields;
    }

    /** A JSON line: one object; numbers, booleans and null as the logfmt line would print them. */
    private static Map<String, String> json(String line) {
        JsonNode o = JSON.readTree(line);
        assertThat(o.isObject()).as(line).isTrue();
        Map<String, String> fields = new LinkedHashMap<>();
        o.properties().forEach(e -> fields.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asString()));
        return fields;
    }

    /** {@code overseer daemon}: the monitor, and the daemon it runs. */
    private Task launch(String name, String format, String... more) {
        return daemon(name, format, false, more);
    }

    /** {@code overseer daemon --serve}: a daemon without a monitor. */
    private Task serve(String name, String format, String... more) {
        return daemon(name, format, true, more);
    }

    private Task daemon(String name, String format, boolean serve, String... more) {
        List<String> args = new ArrayList<>(List.of("daemon", "--socket", sock().toString(), "--state-dir",
                dir.resolve("st").toString(), "--runtime", "native", "--cgroup-parent", cgroupParent, "--log-format", format));
        if (serve) {
            args.add(1, "--serve");
        }
        args.addAll(List.of(more));
        Task t = jvm(name, args.toArray(String[]::new));
        OverseerClient c = client();
        await().atMost(WAIT).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
        return t;
    }

    /** SIGTERM, and its end: a daemon's (or a draining monitor's) clean stop. */
    private static void stop(Task daemon) throws InterruptedException {
        daemon.kill(Signal.SIGTERM, false);
        assertThat(daemon.await(WAIT).map(Exit::exitCode)).contains(0);
    }

    private Task jvm(String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return jvms.run(TaskSpec.of(name, ProcessSpec.builder(cmd).stdout(Redirect.append(dir.resolve(name + ".out")))
                .stderr(Redirect.append(err(name))).build()));
    }

    private Path err(String name) {
        return dir.resolve(name + ".err");
    }

    private Path sock() {
        return dir.resolve("d.sock");
    }

    private OverseerClient client() {
        return new OverseerClient(sock());
    }
}
