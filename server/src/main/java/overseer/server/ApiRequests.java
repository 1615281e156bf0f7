package overseer.server;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import overseer.core.OverseerException;

import java.util.List;

/**
 * The API's request durations, by method, route and status: a filter before every route of both listeners.
 * The route is the template that matched ({@code /v1/namespaces/{ns}/tasks/{id}}), never the raw path, so that
 * the series stay as few as the routes whatever clients send; a path no route matched is {@code unmatched}.
 * A streaming request (events, a followed log) counts once it ends.
 */
final class ApiRequests implements Filter {
    /** From half a millisecond (a cached read) to ten seconds (a stop with its grace). */
    private final Histogram durations = new Histogram("overseer_api_request_duration_seconds",
            "Time to answer an API request, by method, route template and status code.", List.of("method", "route", "status"),
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long t0 = System.nanoTime();
        int status = 500;
        try {
            chain.proceed();
            status = res.status().code();
        } catch (RuntimeException e) {
            status = ApiError.status(e instanceof OverseerException o ? o : MalformedRequests.classify(e)).code();
            throw e;
        } finally {
            durations.observe((System.nanoTime() - t0) / 1e9, req.prologue().method().text(), route(req),
                    Integer.toString(status));
        }
    }

    /** The route template that matched the request, or {@code unmatched}. */
    static String route(io.helidon.webserver.http.ServerRequest req) {
        return req.matchingPattern().filter(p -> !p.isEmpty()).orElse("unmatched");
    }

    Histogram durations() {
        return durations;
    }
}
