package overseer.cli;

import org.junit.jupiter.api.Test;
import overseer.client.OverseerClient;
import overseer.wire.Json;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page in a real browser (Debian's headless Chromium, driven over DevTools) against a real daemon
 * with real tasks: the rows, stop and start clicked, the log tail and the events; a screenshot in
 * target/status-page.png (docs/observability.md says how it becomes docs/status-page.png).
 */
class StatusPageBrowserIT extends CliFixture {
    private static final Duration UI = Duration.ofSeconds(60);

    @Test
    void throughOverseerUiThePageListsTasksAndItsButtonsStopAndStartThem() throws Exception {
        assumeThat(Files.isExecutable(Chromium.BINARY)).as("needs Debian's chromium (.ci/run installs it)").isTrue();
        OverseerClient api = new OverseerClient(sock());
        create(api, "default", "web", "{\"policy\": \"always\"}",
                "echo serving on :8080; while :; do echo \\\"GET /healthz 200\\\"; sleep 2; done");
        create(api, "default", "worker", null, "while :; do head -c 2000000 /dev/urandom | md5sum >/dev/null; sleep 0.5; done");
        create(api, "default", "batch", null, "echo 'rows: 1200'; exit 3");
        create(api, "ops", "backup", null, "echo nightly backup done");
        await().atMost(UI).until(() -> api.task("default", "batch").get("status").asString().equals("stopped")
                && api.task("ops", "backup").get("status").asString().equals("stopped"));
        URI url = UiFixture.start(this::jvm, sock());

        try (Chromium chromium = new Chromium(dir.resolve("chromium"), 1360, 560)) {
            chromium.navigate(url.toString());
            await().atMost(UI).until(() -> "4".equals(chromium.text("String(document.querySelectorAll('#tasks tbody tr').length)")));
            assertThat(chromium.text("location.search")).as("the one-time token left the address bar").isEmpty();
            assertThat(cell(chromium, "default/web", "status")).isEqualTo("running");
            assertThat(cell(chromium, "default/batch", "exit")).isEqualTo("exit 3");
            assertThat(cell(chromium, "ops/backup", "namespace")).isEqualTo("ops");
            assertThat(chromium.text("String(document.cookie)")).as("the session cookie is HttpOnly").isEmpty();

            click(chromium, "default/web", "stop");
            await().atMost(UI).until(() -> "stopped".equals(status(chromium, "default/web")));
            assertThat(api.task("default", "web").get("status").asString()).isEqualTo("stopped");
            assertThat(button(chromium, "default/web", "stop")).as("stop is disabled on a stopped task").isEqualTo("disabled");

            click(chromium, "default/web", "start");
            await().atMost(UI).until(() -> "running".equals(status(chromium, "default/web")));
            assertThat(api.task("default", "web").get("status").asString()).isEqualTo("running");
            assertThat(cell(chromium, "default/web", "restarts")).as("an operator's stop and start are no restarts").isEqualTo("0");

            click(chromium, "default/worker", "pause");
            await().atMost(UI).until(() -> "paused".equals(status(chromium, "default/worker")));
            assertThat(api.task("default", "worker").get("status").asString()).isEqualTo("paused");
            click(chromium, "default/worker", "resume"); // the pause button, once the task is paused
            await().atMost(UI).until(() -> "running".equals(status(chromium, "default/worker")));
            assertThat(api.task("default", "worker").get("status").asString()).isEqualTo("running");

            chromium.eval("document.querySelector('tr[data-key=\"default/web\"] td.name button').click()");
            await().atMost(UI).until(() -> chromium.text("document.getElementById('log').textContent").contains("GET /healthz 200"));
            await().atMost(UI).until(() -> chromium.text("[...document.querySelectorAll('#events li')].map(l => l.dataset.topic).join(' ')")
                    .contains("/tasks/start"));
            // a few stats samples, so that the sparklines have a line to show
            await().atMost(UI).until(() -> points(chromium, "default/worker", "memory") >= 6);
            chromium.screenshot(Path.of("target", "status-page.png"));
        }
    }

    /**
     * Through a forwarded socket (`ssh -L 8080:/run/overseer/overseer.sock`): no token, the page's relative
     * URLs reach the socket; a name other than localhost is refused by the daemon (DNS rebinding).
     */
    @Test
    void throughAForwardedSocketThePageNeedsNoToken() throws Exception {
        assumeThat(Files.isExecutable(Chromium.BINARY)).as("needs Debian's chromium (.ci/run installs it)").isTrue();
        OverseerClient api = new OverseerClient(sock());
        create(api, "default", "sleeper", null, "exec sleep 100000");
        try (SocketForward forward = new SocketForward(sock());
             Chromium chromium = new Chromium(dir.resolve("chromium"), 1200, 500,
                     "--host-resolver-rules=MAP rebound.example 127.0.0.1")) {
            chromium.navigate("http://localhost:" + forward.port() + "/");
            await().atMost(UI).until(() -> "running".equals(status(chromium, "default/sleeper")));
            assertThat(chromium.text("String(document.getElementById('token-form').hidden)")).isEqualTo("true");
            click(chromium, "default/sleeper", "kill");
            await().atMost(UI).until(() -> "stopped".equals(status(chromium, "default/sleeper")));
            assertThat(api.task("default", "sleeper").get("exit").get("signal").asString()).isEqualTo("SIGTERM");
            assertThat(cell(chromium, "default/sleeper", "exit")).isEqualTo("SIGTERM (143)");

            // a megabyte of output without a newline: the log view keeps at most its character cap
            create(api, "default", "flood", null, "head -c 1000000 /dev/zero | tr -c x x; printf END; exec sleep 100000");
            await().atMost(UI).until(() -> "running".equals(status(chromium, "default/flood")));
            chromium.eval(row("default/flood") + ".querySelector('td.name button').click()");
            await().atMost(UI).until(() -> chromium.text("document.getElementById('log').textContent.endsWith('END') ? 'all' : 'not yet'")
                    .equals("all"));
            assertThat(Integer.parseInt(chromium.text("String(document.getElementById('log').textContent.length)")))
                    .as("the log view's characters").isPositive().isLessThanOrEqualTo(256 * 1024);

            // DNS rebinding: a name of the attacker's that resolves to 127.0.0.1 (the browser's resolver is told
            // so), its page then reading the forwarded port as its own origin: the daemon refuses it
            chromium.navigate("http://rebound.example:" + forward.port() + "/");
            await().atMost(UI).until(() -> String.valueOf(chromium.text("document.body ? document.body.innerText : ''"))
                    .contains("DNS rebinding"));
            assertThat(chromium.text("document.getElementById('tasks') === null ? 'no page' : 'page'")).isEqualTo("no page");
        }
    }

    /** On TCP the page asks for the bearer token once; a reload in the same tab does not ask again. */
    @Test
    void onTcpThePageAsksForTheTokenOnceAndKeepsItForTheTab() throws Exception {
        assumeThat(Files.isExecutable(Chromium.BINARY)).as("needs Debian's chromium (.ci/run installs it)").isTrue();
        String token = "browser-test-token-" + System.nanoTime();
        Path tokenFile = Files.writeString(dir.resolve("token"), token);
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path tcpSocket = dir.resolve("tcp.sock");
        jvm("daemon", "--socket", tcpSocket.toString(), "--state-dir", dir.resolve("tcp-state").toString(), "--stop-tasks",
                "--tcp", "127.0.0.1:" + port, "--token-file", tokenFile.toString(), "--cgroup-parent", newCgroupParent());
        OverseerClient api = new OverseerClient(tcpSocket);
        await().atMost(UI).ignoreExceptions().until(() -> api.health().get("status").asString().equals("ok"));
        create(api, "default", "web", null, "exec sleep 100000");

        try (Chromium chromium = new Chromium(dir.resolve("chromium"), 1200, 500)) {
            chromium.navigate("http://127.0.0.1:" + port + "/");
            await().atMost(UI).until(() -> "false".equals(chromium.text("String(document.getElementById('token-form').hidden)")));
            assertThat(chromium.text("String(document.querySelectorAll('#tasks tbody tr').length)")).isEqualTo("0");
            chromium.eval("document.getElementById('token').value = 'wrong-token-0000000000'; "
                    + "document.getElementById('token-form').requestSubmit()");
            await().atMost(UI).until(() -> chromium.text("document.getElementById('token-error').textContent").contains("refused"));
            // and it stays: the page's 2 s poll and its event stream do not ask again (and wipe it) meanwhile
            await().during(Duration.ofSeconds(5)).atMost(UI)
                    .until(() -> chromium.text("document.getElementById('token-error').textContent").contains("refused"));
            chromium.eval("document.getElementById('token').value = '" + token + "'; "
                    + "document.getElementById('token-form').requestSubmit()");
            await().atMost(UI).until(() -> "running".equals(status(chromium, "default/web")));
            assertThat(chromium.text("String(document.getElementById('token-form').hidden)")).isEqualTo("true");

            chromium.eval("location.reload()");
            await().atMost(UI).until(() -> "running".equals(status(chromium, "default/web")));
            assertThat(chromium.text("String(document.getElementById('token-form').hidden)")).isEqualTo("true");
            assertThat(chromium.text("location.href")).doesNotContain(token);
        }
    }

    private static void create(OverseerClient api, String ns, String id, String restart, String script) {
        String spec = "{\"id\": \"" + id + "\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"" + script + "\"]}"
                + (restart != null ? ", \"restart\": " + restart : "") + "}";
        api.createTask(ns, Json.MAPPER.readTree(spec));
        api.start(ns, id);
    }

    private static String row(String key) {
        return "document.querySelector('tr[data-key=\"" + key + "\"]')";
    }

    private static String status(Chromium c, String key) {
        return c.text("(" + row(key) + " || {dataset: {}}).dataset.status || null");
    }

    private static String cell(Chromium c, String key, String column) {
        return c.text(row(key) + ".querySelector('td." + column + "').textContent");
    }

    /** Clicks the button once it can be clicked, as a user would: it is disabled while its last action runs. */
    private static void click(Chromium c, String key, String action) {
        String b = row(key) + ".querySelector('button[data-action=\"" + action + "\"]')";
        await().atMost(UI).until(() -> "enabled".equals(c.text("(" + b + " && !" + b + ".disabled) ? 'enabled' : 'not yet'")));
        c.eval(b + ".click()");
    }

    private static String button(Chromium c, String key, String action) {
        return c.text(row(key) + ".querySelector('button[data-action=\"" + action + "\"]').disabled ? 'disabled' : 'enabled'");
    }

    private static int points(Chromium c, String key, String column) {
        String p = c.text(row(key) + ".querySelector('td." + column + " polyline').getAttribute('points')");
        return p == null || p.isBlank() ? 0 : p.trim().split(" ").length;
    }
}
