package overseer.cli;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import overseer.wire.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * Debian's headless Chromium driven over the DevTools protocol (a WebSocket of JSON commands): one page,
 * navigated, evaluated in and photographed. {@link #close()} kills the browser and every process it started.
 */
final class Chromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Duration CALL = Duration.ofSeconds(60);

    private final Process browser;
    private final List<ProcessHandle> tree = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final WebSocket page;
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    /** A fresh profile in {@code dir} (no state from any other run), a window of {@code width} x {@code height}. */
    Chromium(Path dir, int width, int height, String... flags) throws IOException, InterruptedException {
        Path profile = Files.createDirectories(dir.resolve("profile"));
        // --no-sandbox: Chromium refuses to run as root with its sandbox; the pages it opens are the test's own.
        List<String> cmd = new java.util.ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--window-size=" + width + "," + height));
        cmd.addAll(List.of(flags));
        cmd.add("about:blank");
        browser = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        try {
            Path active = profile.resolve("DevToolsActivePort");
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                if (!browser.isAlive()) {
                    throw new AssertionError("chromium exited " + browser.exitValue() + ": "
                            + Files.readString(dir.resolve("chromium.log")));
                }
                return Files.exists(active) && Files.readAllLines(active).size() >= 2;
            });
            int port = Integer.parseInt(Files.readAllLines(active).getFirst().strip());
            HttpClient http = HttpClient.newHttpClient();
            String[] ws = new String[1];
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                JsonNode targets = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if (t.path("type").asString().equals("page")) {
                        ws[0] = t.get("webSocketDebuggerUrl").asString();
                        return true;
                    }
                }
                return false;
            });
            page = http.newWebSocketBuilder().buildAsync(URI.create(ws[0]), new Listener()).get(30, TimeUnit.SECONDS);
            call("Page.enable", Json.object());
            call("Runtime.enable", Json.object());
            // the viewport itself, not the window (whose frame headless mode takes from --window-size)
            call("Emulation.setDeviceMetricsOverride", Json.object().put("width", width).put("height", height)
                    .put("deviceScaleFactor", 1).put("mobile", false));
        } catch (Exception e) {
            close();
            throw e instanceof IOException io ? io : new IOException("cannot drive chromium", e);
        }
    }

    /** Answers, matched to their command by id; events (no id) are not needed here. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                JsonNode n = Json.MAPPER.readTree(message.toString());
                message.setLength(0);
                if (n.has("id")) {
                    CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
                    if (f != null) {
                        f.complete(n);
                    }
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }

    /** One DevTools command; its result, or an AssertionError with the protocol's error. */
    synchronized JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode msg = Json.object().put("id", id).put("method", method);
        msg.set("params", params);
        try {
            page.sendText(Json.write(msg), true).get(CALL.toSeconds(), TimeUnit.SECONDS);
            JsonNode n = answer.get(CALL.toSeconds(), TimeUnit.SECONDS);
            if (n.has("error")) {
                throw new AssertionError(method + ": " + n.get("error"));
            }
            return n.get("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(method + ": interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(method + ": " + e, e);
        } finally {
            pending.remove(id);
        }
    }

    void navigate(String url) {
        call("Page.navigate", Json.object().put("url", url));
    }

    /** A JavaScript expression's value in the page (promises awaited); a thrown error fails the test. */
    JsonNode eval(String expression) {
        JsonNode r = call("Runtime.evaluate", Json.object().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError(expression + ": " + r.get("exceptionDetails"));
        }
        return r.get("result").path("value");
    }

    String text(String expression) {
        JsonNode v = eval(expression);
        return v.isNull() || v.isMissingNode() ? null : v.asString();
    }

    void screenshot(Path png) throws IOException {
        JsonNode r = call("Page.captureScreenshot", Json.object().put("format", "png"));
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(r.get("data").asString()));
    }

    /** The browser and every process under it (its zygotes, renderers, GPU and network services). */
    @Override
    public void close() {
        if (page != null) {
            page.abort();
        }
        tree.addAll(browser.descendants().toList());
        browser.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            browser.waitFor(30, TimeUnit.SECONDS);
            for (ProcessHandle p : tree) {
                p.onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new AssertionError("chromium's processes did not end: " + tree, e);
        }
    }
}
