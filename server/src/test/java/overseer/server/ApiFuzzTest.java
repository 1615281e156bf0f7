package overseer.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API's path parameters, headers and bodies under a coverage-guided fuzzer, sent as raw bytes over the
 * Unix socket of one real daemon (native runtime, SQLite store). The invariant: every request gets an answer,
 * and none is a 5xx. Only routes that never spawn nor wait are fuzzed (no start, restart, stop, wait, attach,
 * event stream, job submission or slice start), so no input can run a program or hang by design; what
 * such routes read is covered by the same body readers and by the parsers' own fuzz targets.
 */
class ApiFuzzTest {
    private static final Duration ANSWER = Duration.ofSeconds(10);
    /** METHOD, then the path with {ns}, {id} and {exec} to fill in. */
    private static final String[][] ROUTES = {
            {"POST", "/v1/namespaces/{ns}/tasks"}, {"GET", "/v1/namespaces/{ns}/tasks"},
            {"GET", "/v1/namespaces/{ns}/tasks/{id}"}, {"DELETE", "/v1/namespaces/{ns}/tasks/{id}"},
            {"POST", "/v1/namespaces/{ns}/tasks/{id}/kill"}, {"POST", "/v1/namespaces/{ns}/tasks/{id}/pause"},
            {"POST", "/v1/namespaces/{ns}/tasks/{id}/resume"}, {"GET", "/v1/namespaces/{ns}/tasks/{id}/pids"},
            {"GET", "/v1/namespaces/{ns}/tasks/{id}/stats"}, {"POST", "/v1/namespaces/{ns}/tasks/{id}/update"},
            {"POST", "/v1/namespaces/{ns}/tasks/{id}/checkpoint"}, {"POST", "/v1/namespaces/{ns}/tasks/{id}/exec"},
            {"POST", "/v1/namespaces/{ns}/tasks/{id}/execs/{exec}/resize"},
            {"POST", "/v1/namespaces/{ns}/tasks/{id}/execs/{exec}/stdin"},
            {"GET", "/v1/namespaces/{ns}/tasks/{id}/logs?exec={exec}"}, {"GET", "/v1/jobs/{id}"},
            {"POST", "/v1/jobs/{id}/kill"}, {"GET", "/v1/slices/{id}"}, {"DELETE", "/v1/slices/{id}"},
            {"POST", "/v1/services/reload"}, {"GET", "/healthz"}};

    @TempDir
    static Path dir;
    private static Daemon daemon;

    @BeforeAll
    static void start() {
        daemon = new Daemon(new NativeRuntime(), dir.resolve("run/overseer.sock"), dir.resolve("state"), true);
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    /**
     * The input is text, so the seeds can be read and written by hand: seven lines, then the body —
     * route index, ns, id, exec (each percent-encoded, or sent as it is after "raw:"), Content-Type ("-" for
     * none), the Content-Length's error in bytes ("-" for no Content-Length), "half" to half-close.
     */
    @FuzzTest(maxDuration = "30s")
    void request(byte[] data) throws IOException {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        String[] f = text.split("\n", 8);
        if (f.length < 8) {
            return; // not in the input format: nothing to send
        }
        String[] route = ROUTES[Math.floorMod(f[0].hashCode(), ROUTES.length)];
        if (f[0].matches("\\d{1,2}")) {
            route = ROUTES[Integer.parseInt(f[0]) % ROUTES.length];
        }
        String target = route[1].replace("{ns}", segment(f[1], "default")).replace("{id}", segment(f[2], "t"))
                .replace("{exec}", segment(f[3], "e"));
        String contentType = f[4].equals("-") ? null : f[4];
        byte[] body = f[7].getBytes(StandardCharsets.ISO_8859_1);
        long length = -1;
        if (!f[5].equals("-")) {
            long delta = f[5].matches("-?\\d{1,6}") ? Long.parseLong(f[5]) : 0;
            length = Math.max(0, body.length + delta);
        }
        // A body shorter than its length is only ever followed by EOF: waiting for the rest is the timeouts' matter.
        boolean halfClose = f[6].equals("half") || length > body.length;
        RawHttp.Answer a = RawHttp.exchange(daemon.socket(), RawHttp.request(route[0], target, contentType, length, body),
                halfClose, ANSWER);
        assertThat(a.answered()).as("%s %s answered: %s", route[0], target, a.body()).isTrue();
        assertThat(a.status()).as("%s %s -> %s", route[0], target, a.body()).isBetween(200, 499);
    }

    private static String segment(String s, String otherwise) {
        if (s.isEmpty()) {
            return otherwise;
        }
        if (s.startsWith("raw:")) {
            return s.substring(4);
        }
        return URLEncoder.encode(s, StandardCharsets.ISO_8859_1).replace("+", "%20");
    }
}
