package overseer.server;

import overseer.wire.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.Envelope;
import overseer.core.Event;
import overseer.core.internal.Identifiers;
import overseer.core.EventBus;
import overseer.core.Exit;
import overseer.core.Subscription;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * GET /v1/events: the event bus as Server-Sent Events, filtered by {@code ?topic=} (repeatable; a trailing
 * '*' matches a prefix) and {@code ?namespace=}; with {@code ?since=N} the kept events after sequence N come
 * first (each event carries its sequence as the SSE id). A client that reads too slowly gets an /events/loss event
 * with the number it missed, as every subscriber of the bus does. A stream with nothing to send for
 * {@link #KEEPALIVE} gets an SSE comment ({@code : keepalive}), so that a client that closed it is noticed.
 */
final class EventRoutes implements HttpService {
    private static final int BUFFER = 4096;
    /**
     * How long a stream may stay quiet before an SSE comment is written: only a write tells a closed client
     * apart, so without it an idle stream would hold its connection and subscription until the next event.
     */
    static final java.time.Duration KEEPALIVE = java.time.Duration.ofSeconds(15);
    private static final byte[] KEEPALIVE_COMMENT = ": keepalive\n\n".getBytes(StandardCharsets.UTF_8);
    /** What containerd's shim reports for an exit it could not collect (runtime/v2/shim.go). */
    static final int UNKNOWN_EXIT_STATUS = 255;
    private final EventBus bus;
    private final RecentEvents recent;

    EventRoutes(EventBus bus, RecentEvents recent) {
        this.bus = bus;
        this.recent = recent;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::stream);
    }

    private void stream(ServerRequest req, ServerResponse res) throws IOException, InterruptedException {
        List<String> topics = req.query().all("topic", List::of);
        Optional<String> namespace = req.query().first("namespace").asOptional()
                .map(n -> Identifiers.require("namespace", n));
        Predicate<Envelope> filter = topics.isEmpty() ? e -> true : EventBus.topics(topics.toArray(String[]::new));
        Predicate<Envelope> inNamespace = e -> namespace.isEmpty() || e.namespace().equals(namespace.get())
                || e.event() instanceof Event.EventLoss;
        res.header("Content-Type", "text/event-stream").header("Cache-Control", "no-cache");
        try (Subscription s = bus.subscribe("api-events", BUFFER, filter.and(inNamespace));
             OutputStream out = res.outputStream()) {
            long last = -1;
            Optional<String> since = req.query().first("since").asOptional();
            if (since.isPresent()) {
                // Live events are already buffered by the subscription above: replay first, then skip repeats.
                for (Envelope e : recent.since(Json.parseLong("since", since.get()))) {
                    if (filter.and(inNamespace).test(e)) {
                        send(out, e);
                        last = e.sequence();
                    }
                }
            }
            out.write(": subscribed\n\n".getBytes(StandardCharsets.UTF_8)); // lets the client know it is listening
            out.flush();
            while (true) {
                Optional<Envelope> next = s.poll(KEEPALIVE);
                if (next.isEmpty()) {
                    out.write(KEEPALIVE_COMMENT); // a client that went away is noticed here, within KEEPALIVE
                    out.flush();
                    continue;
                }
                Envelope e = next.get();
                if (e.sequence() == 0 || e.sequence() > last) {
                    send(out, e);
                }
            }
        } catch (IOException clientGone) {
            // the client closed the stream: its subscription is closed above
        }
    }

    private static void send(OutputStream out, Envelope e) throws IOException {
        String id = e.sequence() > 0 ? "id: " + e.sequence() + "\n" : "";
        out.write((id + "event: " + e.topic() + "\ndata: " + Json.write(json(e)) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static ObjectNode json(Envelope e) {
        ObjectNode o = Json.object();
        o.put("sequence", e.sequence());
        o.put("timestamp", e.timestamp().toString());
        o.put("namespace", e.namespace());
        o.put("topic", e.topic());
        o.set("event", payload(e.event()));
        return o;
    }

    /**
     * Overseer's fields ({@code id} the task, {@code execId}, {@code exit} as Lambda shapes it) and, beside them,
     * containerd's (api/events/task.proto): {@code container_id}, {@code exec_id}, {@code pid}, {@code exit_status}
     * (the exit code, 128 + signal; 255 when unknown, as containerd's shim reports an exit it lost) and
     * {@code exited_at}. In /tasks/exit, as in containerd's TaskExit, {@code id} is the process: the exec id, which
     * for the init process is the task id.
     */
    static ObjectNode payload(Event event) {
        ObjectNode o = Json.object();
        switch (event) {
            case Event.TaskCreate c -> {
                o.put("id", c.taskId());
                c.args().forEach(o.putArray("args")::add);
                o.put("container_id", c.taskId());
            }
            case Event.TaskStart s -> o.put("id", s.taskId()).put("pid", s.pid()).put("container_id", s.taskId());
            case Event.TaskExit x -> {
                o.put("id", x.execId()).put("execId", x.execId()).put("pid", x.pid());
                o.set("exit", ApiJson.exit(x.exit()));
                o.put("container_id", x.taskId());
                containerdExit(o, x.exit());
            }
            case Event.TaskDelete d -> {
                o.put("id", d.taskId()).put("pid", d.pid());
                d.exit().ifPresent(x -> o.set("exit", ApiJson.exit(x)));
                o.put("container_id", d.taskId());
                d.exit().ifPresent(x -> containerdExit(o, x));
            }
            case Event.TaskExecAdded a -> o.put("id", a.taskId()).put("execId", a.execId())
                    .put("container_id", a.taskId()).put("exec_id", a.execId());
            case Event.TaskExecStarted s -> o.put("id", s.taskId()).put("execId", s.execId()).put("pid", s.pid())
                    .put("container_id", s.taskId()).put("exec_id", s.execId());
            case Event.TaskPaused p -> o.put("id", p.taskId()).put("container_id", p.taskId());
            case Event.TaskResumed r -> o.put("id", r.taskId()).put("container_id", r.taskId());
            case Event.TaskOOM m -> o.put("id", m.taskId()).put("container_id", m.taskId());
            case Event.TaskCheckpointed c -> o.put("id", c.taskId()).put("checkpoint", c.checkpoint())
                    .put("container_id", c.taskId());
            case Event.EventLoss l -> o.put("count", l.count());
        }
        return o;
    }

    private static void containerdExit(ObjectNode o, Exit exit) {
        o.put("exit_status", exit.known() ? exit.exitCode() : UNKNOWN_EXIT_STATUS);
        o.put("exited_at", exit.exitedAt().toString());
    }
}
