package overseer.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.client.OverseerClient;
import overseer.wire.Json;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** `overseer ui` as a real JVM against a real daemon: the one-time URL, its cookie, and the forwarding. */
class UiCommandIT extends CliFixture {
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private OverseerClient daemonApi;
    private URI url;

    @BeforeEach
    void startUi() {
        daemonApi = new OverseerClient(sock());
        daemonApi.createTask("default", Json.read("{\"id\": \"web\", \"process\": {\"args\": [\"/bin/sleep\", \"1000\"]}}"));
        daemonApi.start("default", "web");
        url = UiFixture.start(this::jvm, sock());
    }

    @Test
    void theOneTimeTokenBecomesAnHttpOnlyCookieOnceAndOnlyOnce() throws Exception {
        HttpResponse<String> first = get(url, null);
        assertThat(first.statusCode()).isEqualTo(303);
        assertThat(first.headers().firstValue("Location")).contains("/");
        String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(UiProxy.COOKIE_PREFIX + url.getPort() + "=").contains("HttpOnly", "SameSite=Strict", "Path=/");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        HttpResponse<String> again = get(url, null);
        assertThat(again.statusCode()).isEqualTo(403);
        assertThat(again.body()).contains("used already");
        assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();

        URI root = url.resolve("/");
        assertThat(get(root, null).statusCode()).isEqualTo(401);
        assertThat(get(root, UiProxy.COOKIE_PREFIX + url.getPort() + "=guessed").statusCode()).isEqualTo(401);
        HttpResponse<String> page = get(root, cookie);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'none'");
        assertThat(page.body()).contains("<table id=\"tasks\">");

        HttpResponse<String> tasks = get(url.resolve("/v1/tasks"), cookie);
        assertThat(tasks.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(tasks.body()).get(0).get("id").asString()).isEqualTo("web");
        assertThat(get(url.resolve("/v1/tasks"), null).statusCode()).isEqualTo(401);

        HttpResponse<String> stop = http.send(HttpRequest.newBuilder(url.resolve("/v1/namespaces/default/tasks/web/stop"))
                .header("Cookie", cookie).header("Origin", "http://127.0.0.1:" + url.getPort())
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stop.statusCode()).as(stop.body()).isEqualTo(200);
        assertThat(daemonApi.task("default", "web").get("status").asString()).isEqualTo("stopped");
        HttpResponse<String> missing = get(url.resolve("/v1/namespaces/default/tasks/nope"), cookie);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("not_found");
    }

    @Test
    void aWrongTokenGetsNoCookieAndTheRightOneStillWorksAfterIt() throws Exception {
        HttpResponse<String> wrong = get(URI.create(url.toString().replaceAll("token=.*", "token=not-it")), null);
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(get(url, null).statusCode()).isEqualTo(303);
    }

    /** A page whose DNS name was rebound to 127.0.0.1 sends its own name as Host: refused before anything. */
    @Test
    void aForeignHostIsRefusedEvenWithTheToken() throws Exception {
        try (Socket s = new Socket("127.0.0.1", url.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + url.getRawPath() + "?" + url.getRawQuery() + " HTTP/1.1\r\nHost: rebound.example:" + url.getPort()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = answer(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 403").contains("DNS rebinding").doesNotContain("Set-Cookie");
        }
        assertThat(get(url, null).statusCode()).as("the token was not spent by the refused request").isEqualTo(303);
    }

    /**
     * SameSite=Strict does not tell ports apart: a page on another port of 127.0.0.1 has its POST sent with the
     * cookie. Its Origin (or Sec-Fetch-Site) gives it away: refused before the daemon sees it.
     */
    @Test
    void aPostFromAnotherOriginIsRefusedEvenWithTheCookie() throws Exception {
        String cookie = cookie(get(url, null));
        URI stop = url.resolve("/v1/namespaces/default/tasks/web/stop");
        for (String[] from : List.of(new String[] {"Origin", "http://127.0.0.1:9"}, new String[] {"Origin", "http://evil.example"},
                new String[] {"Sec-Fetch-Site", "same-site"}, new String[] {"Origin", "null"})) {
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(stop).header("Cookie", cookie).header(from[0], from[1])
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(from[1]).isEqualTo(403);
            assertThat(refused.body()).as(from[1]).contains("\"kind\":\"permission_denied\"", "origin: ");
        }
        HttpResponse<String> noOrigin = http.send(HttpRequest.newBuilder(stop).header("Cookie", cookie)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noOrigin.statusCode()).as("a POST that names no origin").isEqualTo(403);
        assertThat(daemonApi.task("default", "web").get("status").asString()).isEqualTo("running");
        HttpResponse<String> own = http.send(HttpRequest.newBuilder(stop).header("Cookie", cookie).header("Sec-Fetch-Site", "same-origin")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(get(url.resolve("/v1/tasks"), cookie).statusCode()).as("a GET needs no Origin").isEqualTo(200);
    }

    /** Events and a followed log come through as they happen, not when the stream ends. */
    @Test
    void streamsAreForwardedLive() throws Exception {
        String cookie = cookie(get(url, null));
        HttpResponse<InputStream> events = http.send(HttpRequest.newBuilder(url.resolve("/v1/events?namespace=default"))
                .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        assertThat(events.headers().firstValue("Content-Type")).contains("text/event-stream");
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (java.io.IOException closed) {
                // the test closed the stream
            }
        });
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> lines.contains(": subscribed"));
            daemonApi.kill("default", "web", "SIGKILL", true);
            await().atMost(Duration.ofSeconds(20)).until(() -> lines.contains("event: /tasks/exit"));
        } finally {
            events.body().close();
            reader.interrupt();
        }
    }

    /** With --tcp the page reaches a daemon's TCP listener: ui adds the bearer token, the browser never has it. */
    @Test
    void aTcpDaemonIsReachedWithTheTokenFromTheFile() throws Exception {
        String token = "ui-upstream-token-" + System.nanoTime();
        java.nio.file.Path tokenFile = java.nio.file.Files.writeString(dir.resolve("token"), token);
        java.nio.file.Path tcpSocket = dir.resolve("tcp.sock");
        OverseerClient tcpDaemon = new OverseerClient(tcpSocket);
        int port = -1;
        // The daemon does not say which port --tcp :0 bound, so a free one is picked here; another process may
        // take it between its close and the daemon's bind: the daemon then ends, and another port is tried.
        for (int attempt = 0; attempt < 5 && port < 0; attempt++) {
            int candidate;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                candidate = free.getLocalPort();
            }
            overseer.core.Task d = jvm("daemon", "--socket", tcpSocket.toString(), "--state-dir", dir.resolve("tcp-state").toString(),
                    "--stop-tasks", "--tcp", "127.0.0.1:" + candidate, "--token-file", tokenFile.toString(), "--cgroup-parent",
                    newCgroupParent());
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> d.exit().isPresent()
                    || tcpDaemon.health().get("status").asString().equals("ok"));
            if (d.exit().isEmpty()) {
                port = candidate;
            }
        }
        assertThat(port).as("a daemon listening on a free TCP port").isPositive();
        tcpDaemon.createTask("ops", Json.MAPPER.readTree("{\"id\": \"over-tcp\", \"process\": {\"args\": [\"/bin/true\"]}}"));

        java.nio.file.Path wrong = java.nio.file.Files.writeString(dir.resolve("wrong-token"), "not-the-token-0123456789");
        assertThat(stderr(125, "ui", "--tcp", "127.0.0.1:" + port, "--token-file", wrong.toString()))
                .contains("--token-file: the daemon at 127.0.0.1:" + port + " refused the token");
        URI viaTcp = UiFixture.start(this::jvm, "--tcp", "127.0.0.1:" + port, "--token-file", tokenFile.toString());
        String cookie = cookie(get(viaTcp, null));
        HttpResponse<String> tasks = get(viaTcp.resolve("/v1/tasks"), cookie);
        assertThat(tasks.statusCode()).as(tasks.body()).isEqualTo(200);
        assertThat(tasks.body()).contains("\"over-tcp\"").doesNotContain(token);
        assertThat(get(viaTcp.resolve("/"), cookie).body()).contains("<table id=\"tasks\">");
    }

    @Test
    void badFlagsAreRefusedByName() throws Exception {
        assertThat(stderr(2, "ui", "--port", "70000")).contains("--port: 70000 is out of range");
        assertThat(stderr(2, "ui", "--tcp", "127.0.0.1:7070")).contains("--tcp: needs --token-file");
        assertThat(stderr(2, "ui", "--token-file", "/nonexistent")).contains("--token-file: only with --tcp");
        assertThat(jvmStderr(125, "ui", "--socket", dir.resolve("no-daemon.sock").toString()))
                .contains("cannot reach the daemon's socket " + dir.resolve("no-daemon.sock"), "is the daemon running?");
    }

    /** A verb's JVM without the fixture's --socket: its stderr, once it ended with {@code expected}. */
    private String jvmStderr(int expected, String... args) throws InterruptedException {
        overseer.core.Task t = jvm(args);
        overseer.core.Exit exit = t.await();
        t.output().drained().join();
        String err = String.join("\n", t.output().tail(overseer.core.LogStream.STDERR).lines());
        assertThat(exit.exitCode()).as(err).isEqualTo(expected);
        return err;
    }

    private HttpResponse<String> get(URI uri, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The head and the Content-Length body of one answer (Helidon keeps the connection open after it). */
    private static String answer(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static String cookie(HttpResponse<String> exchanged) {
        assertThat(exchanged.statusCode()).isEqualTo(303);
        String setCookie = exchanged.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }
}
