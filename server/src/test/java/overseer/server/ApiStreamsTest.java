package overseer.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.UnixHttp;
import overseer.linux.NativeRuntime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Events as SSE, logs with follow, metrics, and the token-guarded TCP listener. */
class ApiStreamsTest {
    private static final String TOKEN = "0123456789abcdef-test-token";
    @TempDir
    Path dir;
    private Daemon daemon;
    private UnixHttp http;

    @BeforeEach
    void start() {
        daemon = new Daemon(new NativeRuntime(), dir.resolve("overseer.sock"),
                Optional.of(new ApiServer.Tcp("127.0.0.1", 0, TOKEN)), dir.resolve("state"), true);
        http = new UnixHttp(daemon.socket());
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private void post(String path, String body) throws IOException {
        UnixHttp.Response r = http.send("POST", path, null, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.text()).isBetween(200, 201);
    }

    @Test
    void eventsStreamAsServerSentEvents() throws Exception {
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        CompletableFuture<List<String>> events = CompletableFuture.supplyAsync(() -> {
            try {
                return http.stream("GET", "/v1/events?topic=/tasks/*&namespace=default", (status, headers, body) -> {
                    assertThat(status).isEqualTo(200);
                    assertThat(headers.get("content-type")).startsWith("text/event-stream");
                    BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
                    List<String> topics = new ArrayList<>();
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        if (line.startsWith(": subscribed")) {
                            subscribed.complete(null);
                        }
                        if (line.startsWith("event: ")) {
                            topics.add(line.substring(7));
                        }
                        if (line.startsWith("data: ") && line.contains("\"exitCode\":5")) {
                            return topics;
                        }
                    }
                    return topics;
                });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        subscribed.get(10, TimeUnit.SECONDS);
        post("/v1/namespaces/default/tasks", "{\"id\": \"ev\", \"process\": {\"args\": [\"/bin/sh\", \"-c\", \"exit 5\"]}}");
        post("/v1/namespaces/default/tasks/ev/start", null);
        assertThat(events.get(10, TimeUnit.SECONDS)).containsExactly("/tasks/create", "/tasks/start", "/tasks/exit");
    }

    @Test
    void logsFollowUntilTheTaskStops() throws Exception {
        post("/v1/namespaces/default/tasks", "{\"id\": \"talk\", \"process\": {\"args\": [\"/bin/sh\", \"-c\","
                + " \"for i in 1 2 3; do echo line $i; sleep 0.1; done; echo oops >&2\"]}}");
        post("/v1/namespaces/default/tasks/talk/start", null);
        String out = http.stream("GET", "/v1/namespaces/default/tasks/talk/logs?follow=true",
                (status, headers, body) -> new String(body.readAllBytes(), StandardCharsets.UTF_8));
        assertThat(out).isEqualTo("line 1\nline 2\nline 3\n");
        assertThat(http.send("GET", "/v1/namespaces/default/tasks/talk/logs?stream=stderr", null, null).text())
                .isEqualTo("oops\n");
        assertThat(http.send("GET", "/v1/namespaces/default/tasks/talk/logs?stream=both", null, null).status()).isEqualTo(400);
    }

    @Test
    void metricsInPrometheusFormat() throws IOException {
        post("/v1/namespaces/default/tasks", "{\"id\": \"m\", \"process\": {\"args\": [\"/bin/true\"]}}");
        UnixHttp.Response r = http.send("GET", "/metrics", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("# TYPE overseer_tasks gauge").contains("overseer_tasks{status=\"created\"} 1")
                .contains("overseer_jvm_threads ");
    }

    @Test
    void tcpRequiresTheBearerToken() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        URI health = URI.create("http://127.0.0.1:" + daemon.api().tcpPort() + "/healthz");
        HttpResponse<String> none = client.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).isEqualTo("{\"kind\":\"unauthenticated\",\"message\":\"a bearer token is required\"}");
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        HttpResponse<String> wrong = client.send(HttpRequest.newBuilder(health).header("Authorization", "Bearer nope").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(health).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("ok");
    }
}
