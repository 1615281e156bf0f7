package overseer.server;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import overseer.core.OverseerException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The one way the routes read a request body: as raw bytes (so no header chooses a decoder that can
 * throw), with the Content-Type checked here and a body cut short by the client refused as the client's
 * mistake. Every refusal is INVALID_ARGUMENT naming "Content-Type" or "body", never a 500.
 */
final class Bodies {
    /** What a JSON route takes; none at all is taken as JSON too (a bare `curl --data-binary`). */
    private static final Set<String> JSON = Set.of("application/json", "text/json");
    /** What a slice (YAML) route takes: JSON is YAML as well. */
    private static final Set<String> YAML = Set.of("application/json", "text/json", "application/yaml",
            "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain");

    private Bodies() {
    }

    /** The body of a JSON route, "" when there is none. */
    static String json(ServerRequest req) {
        return text(req, JSON, "application/json");
    }

    /** The body of a route that takes a YAML document (a slice file), "" when there is none. */
    static String yaml(ServerRequest req) {
        return text(req, YAML, "application/yaml");
    }

    /** The body as it is, whatever its type (a process's stdin). */
    static byte[] bytes(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (var in = req.content().inputStream()) {
            return in.readAllBytes();
        } catch (DataReader.InsufficientDataAvailableException e) {
            throw cut(req);
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            // Helidon's decoders report a malformed chunked coding or a lying length this way
            throw OverseerException.invalidField("body", "cannot be read: %s", message(e));
        } catch (RuntimeException e) {
            if (MalformedRequests.causedBy(e, DataReader.InsufficientDataAvailableException.class)) {
                throw cut(req);
            }
            throw e;
        }
    }

    private static String text(ServerRequest req, Set<String> accepted, String preferred) {
        if (!req.content().hasEntity()) {
            return "";
        }
        mediaType(req).ifPresent(t -> requireTextType(t, accepted, preferred));
        return new String(bytes(req), StandardCharsets.UTF_8);
    }

    /** The raw header, parsed here: Helidon's own parser throws StringIndexOutOfBounds on some values. */
    private static Optional<String> mediaType(ServerRequest req) {
        return req.headers().first(HeaderNames.CONTENT_TYPE).map(String::strip).filter(s -> !s.isEmpty());
    }

    /** type/subtype must be accepted (or end in +json) and a charset, if given, must be UTF-8 or ASCII. */
    static void requireTextType(String header, Set<String> accepted, String preferred) {
        String[] parts = header.split(";", -1); // -1: ";" alone is ["", ""], not [] (found by ApiFuzzTest)
        String type = parts[0].strip().toLowerCase(Locale.ROOT);
        if (!accepted.contains(type) && !type.endsWith("+json")) {
            throw OverseerException.invalidField("Content-Type", "\"%s\" is not accepted here; send %s", abbreviate(header),
                    preferred);
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase("charset")) {
                String cs = p.substring(eq + 1).strip().replace("\"", "").toLowerCase(Locale.ROOT);
                if (!cs.equals("utf-8") && !cs.equals("utf8") && !cs.equals("us-ascii")) {
                    throw OverseerException.invalidField("Content-Type", "charset \"%s\" is not supported; send UTF-8",
                            abbreviate(cs));
                }
            }
        }
    }

    private static OverseerException cut(ServerRequest req) {
        String length = req.headers().first(HeaderNames.CONTENT_LENGTH).orElse("chunked");
        return OverseerException.invalidField("body", "the connection ended before the whole body arrived (Content-Length: %s)", length);
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : abbreviate(m);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
