package overseer.fleet;

import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import overseer.core.OverseerException;
import overseer.supervisor.Command;
import overseer.supervisor.Job;
import overseer.supervisor.JobResult;
import overseer.supervisor.JobState;
import overseer.supervisor.Supervisor;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A daemon's membership of a fleet: it pulls commands from the fleet's stream when it has a free slot, runs
 * them on its own supervisor, stores each result in the results bucket and only then acks.
 *
 * <p>Pull, not push: a node asks for one command when a slot frees, so work spreads by load. It asks every
 * consumer it may serve ({@code any}, its own node's, its tags', every queue's) in turn, without waiting on
 * any; when none has work it sleeps until a command or a result is published (a core subscription on those
 * subjects wakes it, as a result may unblock a queue), a submitter says a command is stored ({@code wake}: a
 * command's own publish can reach the node before the stream has stored it) or a second passes
 * (redeliveries publish nothing).
 */
public final class FleetNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FleetNode.class.getName());
    static final Duration IDLE = Duration.ofSeconds(1);

    private final Supervisor supervisor;
    private final Optional<java.nio.file.Path> daemonSocket;
    private final FleetConfig config;
    private final Fleet fleet;
    private final Semaphore slots;
    private final Semaphore wake = new Semaphore(0);
    private final Map<String, Message> running = new ConcurrentHashMap<>();
    private final Map<String, ConsumerContext> consumers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;
    private final Dispatcher wakeUps;
    private final Dispatcher advisories;
    private final overseer.core.Subscription taskEvents;
    private final Thread fetcher;
    private final NodeReports reports;
    private volatile boolean closing;
    private volatile long queuesListedAt;
    private int next;

    private FleetNode(Supervisor supervisor, FleetConfig config, Optional<java.nio.file.Path> daemonSocket) {
        this.supervisor = supervisor;
        this.daemonSocket = daemonSocket;
        this.config = config;
        this.slots = new Semaphore(config.slots());
        this.fleet = Fleet.open(config.servers(), config.name(), config.replicas());
        this.reports = new NodeReports(fleet, config);
        try {
            consumer(Subjects.ANY_CONSUMER, Subjects.any(config.name()), -1);
            consumer(Subjects.consumer("node", config.node()), Subjects.node(config.name(), config.node()), -1);
            for (String t : config.tags()) {
                consumer(Subjects.consumer("tag", t), Subjects.tag(config.name(), t), -1);
            }
            listQueues();
        } catch (IOException | JetStreamApiException e) {
            fleet.close();
            throw OverseerException.unavailable("fleet %s: cannot make its consumers: %s", config.name(), e.getMessage());
        }
        this.ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("fleet-ticker").factory());
        this.wakeUps = fleet.nc.createDispatcher(m -> wake.release());
        wakeUps.subscribe(Subjects.commands(config.name()));
        wakeUps.subscribe(Subjects.wake(config.name()));
        wakeUps.subscribe(Subjects.allResults(config.name()));
        // JetStream gives up on a command after MaxDeliver deliveries and says so in an advisory; every node
        // hears it, the first to write the command's final result wins (the others find it ended).
        this.advisories = fleet.nc.createDispatcher(m -> Thread.ofVirtual().start(() -> gaveUp(m.getData())));
        advisories.subscribe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + Subjects.stream(config.name()) + ".*");
        long beat = config.heartbeat().toMillis();
        ticker.scheduleAtFixedRate(() -> reports.heartbeat(running()), 0, beat, TimeUnit.MILLISECONDS);
        this.fetcher = Thread.ofPlatform().daemon().name("fleet-fetch-" + config.node()).start(this::fetchLoop);
        // The daemon's task events go to the fleet too, from a bounded subscription: a slow NATS costs this
        // node's event stream an EventLoss, never the bus a block.
        this.taskEvents = supervisor.tasks().events().subscribe("fleet-node", overseer.core.EventBus.DEFAULT_CAPACITY, e -> true);
        Thread.ofVirtual().name("fleet-events-" + config.node()).start(() -> reports.forwardTaskEvents(taskEvents, () -> closing));
    }

    /** Joins the fleet: from now on this node takes commands. */
    public static FleetNode join(Supervisor supervisor, FleetConfig config) {
        return new FleetNode(supervisor, config, Optional.empty());
    }

    /** Joins with the daemon's API at {@code daemonSocket}, through which task specs are run. */
    public static FleetNode join(Supervisor supervisor, FleetConfig config, java.nio.file.Path daemonSocket) {
        return new FleetNode(supervisor, config, Optional.of(daemonSocket));
    }

    public FleetConfig config() {
        return config;
    }

    /** The ids of the commands this node runs now. */
    public List<String> running() {
        return List.copyOf(running.keySet());
    }

    /** Makes the durable consumer of a placement; the same call from every node converges on one consumer. */
    static void ensureConsumer(Fleet fleet, String durable, String subject, long maxAckPending, Duration ackWait,
                               int maxDeliver) throws IOException, JetStreamApiException {
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder()
                .durable(durable)
                .filterSubject(subject)
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(ackWait)
                .maxDeliver(maxDeliver);
        if (maxAckPending > 0) {
            b.maxAckPending(maxAckPending);
        }
        try {
            fleet.jsm.addOrUpdateConsumer(Subjects.stream(fleet.name), b.build());
        } catch (JetStreamApiException e) {
            // Another node's identical create raced ours, or the consumer exists with settings another node
            // gave it (its AckWait): it is used as it is.
            if (fleet.jsm.getConsumerNames(Subjects.stream(fleet.name)).stream().noneMatch(durable::equals)) {
                throw e;
            }
        }
    }

    private void consumer(String durable, String subject, long maxAckPending) throws IOException, JetStreamApiException {
        ensureConsumer(fleet, durable, subject, maxAckPending, config.ackWait(), config.maxDeliver());
        consumers.put(durable, fleet.js.getStreamContext(Subjects.stream(config.name())).getConsumerContext(durable));
    }

    /** Queue consumers are made by whoever submits to a new queue: a node finds them by listing. */
    private void listQueues() throws IOException, JetStreamApiException {
        for (String name : fleet.jsm.getConsumerNames(Subjects.stream(config.name()))) {
            if (name.startsWith(Subjects.QUEUE_PREFIX) && !consumers.containsKey(name)) {
                consumers.put(name, fleet.js.getStreamContext(Subjects.stream(config.name())).getConsumerContext(name));
            }
        }
        queuesListedAt = System.nanoTime();
    }

    private void fetchLoop() {
        while (!closing) {
            try {
                slots.acquire();
                // Drained before the sweep, not after: a wake-up that comes while it sweeps is kept for the next.
                wake.drainPermits();
                Optional<Message> m = closing ? Optional.empty() : sweep();
                if (m.isEmpty()) {
                    slots.release();
                    if (!closing) {
                        wake.tryAcquire(IDLE.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    continue;
                }
                Message msg = m.get();
                Thread.ofVirtual().name("fleet-run").start(() -> {
                    try {
                        run(msg);
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "fleet: a command failed outside its job", e);
                    } finally {
                        slots.release();
                        wake.release();
                    }
                });
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The servers are away (a reconnect, a leader election): the next pass tries again.
                LOG.log(Level.DEBUG, "fleet: fetch failed", e);
            }
        }
    }

    /** One command from the first consumer that has one, starting after the one served last (round robin). */
    private Optional<Message> sweep() {
        if (System.nanoTime() - queuesListedAt > IDLE.toNanos()) {
            try {
                listQueues();
            } catch (IOException | JetStreamApiException e) {
                LOG.log(Level.DEBUG, "fleet: cannot list queues", e);
            }
        }
        List<ConsumerContext> all = new ArrayList<>(consumers.values());
        for (int i = 0; i < all.size(); i++) {
            ConsumerContext c = all.get(Math.floorMod(next + i, all.size()));
            try (FetchConsumer f = c.fetch(FetchConsumeOptions.builder().maxMessages(1).noWait().build())) {
                Message m = f.nextMessage();
                if (m != null) {
                    next = next + i + 1;
                    return Optional.of(m);
                }
            } catch (Exception e) {
                // 409s (MaxAckPending reached on a queue), timeouts while a server is lost: no work here now.
                LOG.log(Level.TRACE, "fleet: fetch", e);
            }
        }
        return Optional.empty();
    }

    private void run(Message msg) {
        Submission s;
        try {
            s = Submission.parse(new String(msg.getData(), StandardCharsets.UTF_8));
        } catch (OverseerException e) {
            LOG.log(Level.WARNING, "fleet: dropping a command that does not parse: " + e.getMessage());
            msg.term(); // it never will: do not redeliver it
            return;
        }
        Command cmd = s.command();
        long delivery = msg.metaData().deliveredCount();
        long startedAt = System.currentTimeMillis();
        // In-progress acks from the start: while the servers elect a leader the start is retried, and neither
        // that nor a long run may cost a delivery (MaxDeliver counts them).
        long every = Math.max(250, config.ackWait().toMillis() / 3);
        ScheduledFuture<?> alive = ticker.scheduleAtFixedRate(msg::inProgress, every, every, TimeUnit.MILLISECONDS);
        FleetResult before;
        try {
            before = retried(() -> fleet.update(cmd.id(), prior -> prior.filter(FleetResult::ended).orElseGet(() ->
                    prior.orElseGet(() -> FleetResult.running(cmd.id(), cmd.command(), config.node(), List.of()))
                            .withAttempt(new Attempt(config.node(), delivery, startedAt, 0, FleetResult.RUNNING)))));
        } catch (Exception e) {
            alive.cancel(false);
            LOG.log(Level.WARNING, "fleet: cannot record the start of " + cmd.id() + ", leaving it for redelivery: " + e.getMessage());
            msg.nakWithDelay(config.ackWait());
            return;
        }
        if (before.ended()) {
            // Its result is stored, the ack was lost (the node died between the two): done, run nothing again.
            alive.cancel(false);
            msg.ack();
            return;
        }
        running.put(cmd.id(), msg);
        reports.event("started", cmd.id(), delivery, FleetResult.RUNNING);
        JobResult r;
        try {
            r = cmd.command().equals(Submission.TASK) ? FleetTasks.run(daemonSocket, cmd) : supervisor.run(cmd).onResult().join();
        } catch (RuntimeException e) {
            alive.cancel(false);
            running.remove(cmd.id());
            LOG.log(Level.WARNING, "fleet: cannot run " + cmd.id() + ": " + e.getMessage());
            msg.nakWithDelay(Duration.ofSeconds(1));
            return;
        }
        try {
            if (r.state() == JobState.DUPILICATE_ID) {
                // This node already runs it (a redelivery came back here): that run records and acks.
                return;
            }
            FleetResult stored = store(cmd.id(), delivery, r);
            msg.ackSync(Duration.ofSeconds(5));
            fleet.nc.publish(Subjects.results(config.name(), cmd.id()), stored.toJson());
            reports.event("ended", cmd.id(), delivery, r.state().name());
        } catch (Exception e) {
            // Not acked: redelivered after AckWait, when the stored result (if it was) makes the rerun a no-op.
            LOG.log(Level.WARNING, "fleet: cannot store or ack the result of " + cmd.id() + ": " + e.getMessage());
        } finally {
            alive.cancel(false);
            running.remove(cmd.id());
        }
    }

    /**
     * A command JetStream will not deliver again (MaxDeliver): it gets a final ERROR result naming its attempts,
     * and is removed from the stream, where a work queue would otherwise keep it for ever.
     */
    private void gaveUp(byte[] advisory) {
        try {
            var a = FleetJson.MAPPER.readTree(advisory);
            long seq = a.path("stream_seq").asLong();
            long deliveries = a.path("deliveries").asLong();
            String stream = Subjects.stream(config.name());
            io.nats.client.api.MessageInfo mi;
            try {
                mi = fleet.jsm.getMessage(stream, seq);
            } catch (JetStreamApiException gone) {
                return; // another node did it already
            }
            Command cmd = Submission.parse(new String(mi.getData(), StandardCharsets.UTF_8)).command();
            long now = System.currentTimeMillis();
            FleetResult r = retried(() -> fleet.update(cmd.id(), prior -> {
                if (prior.isPresent() && prior.get().ended()) {
                    return prior.get();
                }
                List<Attempt> attempts = prior.map(FleetResult::attempts).orElse(List.of());
                JobResult jr = new JobResult(cmd.id(), cmd.command(), "delivered " + deliveries
                        + " times (MaxDeliver " + config.maxDeliver() + ") and never acked: no node finished it",
                        List.of("", ""), "", 0, JobState.ERROR, 500, attempts.isEmpty() ? now : attempts.getFirst().startedAt(),
                        0, cmd.tags(), 0);
                return new FleetResult(cmd.id(), cmd.command(), JobState.ERROR.name(),
                        attempts.isEmpty() ? "" : attempts.getLast().node(), attempts, Optional.of(jr));
            }));
            try {
                fleet.jsm.deleteMessage(stream, seq);
            } catch (JetStreamApiException gone) {
                // another node removed it
            }
            fleet.nc.publish(Subjects.results(config.name(), cmd.id()), r.toJson());
        } catch (Exception e) {
            LOG.log(Level.WARNING, "fleet: cannot record a command JetStream gave up on: " + e.getMessage());
        }
    }

    /** Stores the result, retrying while the servers elect a leader or reconnect. */
    private FleetResult store(String id, long delivery, JobResult r) throws Exception {
        return retried(() -> fleet.update(id, prior -> prior.orElseGet(() -> FleetResult.running(id, r.command(), config.node(),
                        List.of(new Attempt(config.node(), delivery, r.starttime(), 0, FleetResult.RUNNING))))
                .ended(config.node(), delivery, r)));
    }

    /** A bucket write, tried for about a minute: a cluster that lost a server takes seconds to elect anew. */
    private <T> T retried(java.util.concurrent.Callable<T> write) throws Exception {
        Exception last = null;
        for (int i = 0; i < 30 && !closing; i++) {
            try {
                return write.call();
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                last = e;
                LOG.log(Level.DEBUG, "fleet: bucket write failed, retrying", e);
                Thread.sleep(Duration.ofMillis(Math.min(4000, 100L << Math.min(i, 6))));
            }
        }
        throw last != null ? last : OverseerException.unavailable("fleet %s: node is closing", config.name());
    }

    /**
     * Leaves the fleet: takes no more commands, hands the ones it runs back to the stream at once (a nak, so
     * another node need not wait for AckWait) and removes its heartbeat. The local jobs are the daemon's to
     * stop or leave running.
     */
    @Override
    public void close() {
        closing = true;
        wake.release();
        slots.release();
        try {
            fetcher.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ticker.shutdownNow();
        taskEvents.close();
        running.values().forEach(Message::nak);
        reports.removeHeartbeat();
        fleet.close();
    }
}
