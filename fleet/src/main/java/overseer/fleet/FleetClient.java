package overseer.fleet;

import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import overseer.core.OverseerException;
import overseer.supervisor.JobState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Submits commands to a fleet and reads its results and nodes, from any machine that reaches its servers. */
public final class FleetClient implements AutoCloseable {
    private final Fleet fleet;
    private final Duration ackWait;
    private final int maxDeliver;

    private FleetClient(Fleet fleet, Duration ackWait, int maxDeliver) {
        this.fleet = fleet;
        this.ackWait = ackWait;
        this.maxDeliver = maxDeliver;
    }

    public static FleetClient connect(List<String> servers, String fleet) {
        return connect(servers, fleet, 1, FleetConfig.DEFAULT_ACK_WAIT, FleetConfig.DEFAULT_MAX_DELIVER);
    }

    /** With the replicas, AckWait and MaxDeliver it gives what it creates (the stream, buckets, queue consumers). */
    public static FleetClient connect(List<String> servers, String fleet, int replicas, Duration ackWait, int maxDeliver) {
        return new FleetClient(Fleet.open(servers, fleet, replicas), ackWait, maxDeliver);
    }

    /**
     * What a submit answered.
     *
     * @param id    the command's id
     * @param state empty when the fleet took it; DUPILICATE_ID when that id was submitted before (within the
     *              stream's de-duplication window, or any time its result is stored)
     * @param seq   its sequence in the stream, 0 for a duplicate refused by the results bucket
     */
    public record Receipt(String id, Optional<JobState> state, long seq) {
        public boolean accepted() {
            return state.isEmpty();
        }
    }

    public Receipt submit(Submission s) {
        String id = s.command().id();
        // The entry is made first, by create (which fails if the key exists): a second submit of the id is
        // refused atomically, for as long as the bucket keeps the entry, not only within JetStream's window.
        try {
            fleet.results.create(id, FleetResult.queued(id, s.command().command()).toJson());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != 10071) { // 10071, wrong last sequence: the key exists
                throw OverseerException.unavailable("fleet %s: cannot submit %s: %s", fleet.name, id, e.getMessage());
            }
            if (!recentlyQueued(id)) {
                return new Receipt(id, Optional.of(JobState.DUPILICATE_ID), 0);
            }
            // QUEUED within the msg-id window: perhaps our own earlier try, whose create went through but whose
            // publish did not. Publishing again is safe there: JetStream drops it if the first one was stored.
        } catch (IOException e) {
            throw OverseerException.unavailable("fleet %s: cannot submit %s: %s", fleet.name, id, e.getMessage());
        }
        try {
            if (!s.command().queue().isEmpty()) {
                // One consumer per queue, at most one command of it unacked: the queue runs one at a time, in order.
                FleetNode.ensureConsumer(fleet, Subjects.QUEUE_PREFIX + s.command().queue(),
                        Subjects.queue(fleet.name, s.command().queue()), 1, ackWait, maxDeliver);
            }
            Headers h = new Headers().add("Nats-Msg-Id", id);
            NatsMessage m = NatsMessage.builder().subject(s.subject(fleet.name)).headers(h)
                    .data(s.toJson().getBytes(StandardCharsets.UTF_8)).build();
            PublishAck ack = fleet.js.publish(m);
            if (!ack.isDuplicate()) {
                fleet.nc.publish(Subjects.wake(fleet.name), new byte[0]);
            }
            return new Receipt(id, ack.isDuplicate() ? Optional.of(JobState.DUPILICATE_ID) : Optional.empty(), ack.getSeqno());
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            // Not known to be published: the entry stays QUEUED, and a retry within the msg-id window publishes
            // again (a duplicate if this one was stored after all).
            throw OverseerException.unavailable("fleet %s: cannot submit %s (submit it again): %s", fleet.name, id, e.getMessage());
        }
    }

    /** Whether {@code id}'s entry is QUEUED and younger than JetStream's de-duplication window. */
    private boolean recentlyQueued(String id) {
        KeyValueEntry e;
        try {
            e = fleet.results.get(id);
        } catch (IOException | JetStreamApiException failed) {
            throw OverseerException.unavailable("fleet %s: cannot submit %s: %s", fleet.name, id, failed.getMessage());
        }
        if (e == null || e.getValue() == null || !FleetResult.parse(e.getValue()).state().equals(FleetResult.QUEUED)) {
            return false;
        }
        var age = Duration.between(e.getCreated().toInstant(), java.time.ZonedDateTime.now().toInstant());
        return age.compareTo(Fleet.DUPLICATE_WINDOW.minusSeconds(10)) < 0;
    }

    public Receipt submit(String json) {
        return submit(Submission.parse(json));
    }

    public Optional<FleetResult> result(String id) {
        return fleet.result(id);
    }

    /** Every command the results bucket knows, by the start of its first attempt. */
    public List<FleetResult> results() {
        try {
            List<FleetResult> out = new ArrayList<>();
            for (String key : fleet.results.keys()) {
                KeyValueEntry e = fleet.results.get(key);
                if (e != null && e.getValue() != null) {
                    out.add(FleetResult.parse(e.getValue()));
                }
            }
            out.sort(Comparator.comparingLong((FleetResult r) -> r.attempts().isEmpty() ? 0 : r.attempts().getFirst().startedAt())
                    .thenComparing(FleetResult::id));
            return out;
        } catch (IOException | JetStreamApiException e) {
            throw OverseerException.unavailable("results bucket: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OverseerException.unavailable("results bucket: interrupted");
        }
    }

    /** The nodes whose heartbeat is in the bucket (written in the last minute), by name. */
    public List<Heartbeat> nodes() {
        try {
            List<Heartbeat> out = new ArrayList<>();
            for (String key : fleet.nodes.keys()) {
                KeyValueEntry e = fleet.nodes.get(key);
                if (e != null && e.getValue() != null) {
                    out.add(FleetJson.MAPPER.readValue(e.getValue(), Heartbeat.class));
                }
            }
            out.sort(Comparator.comparing(Heartbeat::node));
            return out;
        } catch (IOException | JetStreamApiException e) {
            throw OverseerException.unavailable("nodes bucket: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OverseerException.unavailable("nodes bucket: interrupted");
        }
    }

    /**
     * Calls {@code handler} with every final result published from now on (on a NATS dispatcher thread), until
     * the returned handle is closed. A result published twice (a rerun) is given twice.
     */
    public AutoCloseable onResults(java.util.function.Consumer<FleetResult> handler) {
        var d = fleet.nc.createDispatcher(m -> handler.accept(FleetResult.parse(m.getData())));
        d.subscribe(Subjects.allResults(fleet.name));
        try {
            fleet.nc.flush(Duration.ofSeconds(5)); // subscribed on the server before the caller submits
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            fleet.nc.closeDispatcher(d);
            throw OverseerException.unavailable("fleet %s: cannot subscribe to results: %s", fleet.name, e);
        }
        return () -> fleet.nc.closeDispatcher(d);
    }

    /** Waits for {@code id}'s final result: its result subject, or the bucket if it ended before we listened. */
    public Optional<FleetResult> await(String id, Duration timeout) throws InterruptedException {
        CompletableFuture<FleetResult> done = new CompletableFuture<>();
        var d = fleet.nc.createDispatcher(m -> done.complete(FleetResult.parse(m.getData())));
        d.subscribe(Subjects.results(fleet.name, id));
        try {
            fleet.result(id).filter(FleetResult::ended).ifPresent(done::complete);
            return Optional.of(done.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            return fleet.result(id).filter(FleetResult::ended);
        } catch (java.util.concurrent.ExecutionException e) {
            throw OverseerException.internal("await " + id + ": " + e.getCause().getMessage(), e.getCause());
        } finally {
            fleet.nc.closeDispatcher(d);
        }
    }

    @Override
    public void close() {
        fleet.close();
    }
}
