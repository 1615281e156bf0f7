package overseer.fleet;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import overseer.core.OverseerException;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One connection to a fleet's NATS servers, with the fleet's stream and buckets made if they are missing.
 * Nodes and clients both open one; whoever comes first creates, with the same configuration, so the order
 * does not matter.
 */
final class Fleet implements AutoCloseable {
    /** How long a node's heartbeat stays in its bucket: a node silent this long is gone from {@code fleet nodes}. */
    static final Duration NODE_TTL = Duration.ofMinutes(1);
    /** JetStream's window for Nats-Msg-Id de-duplication; later repeats are caught by the results bucket. */
    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);
    /** How long joining waits for JetStream to answer (a cluster electing its leader) before it gives up. */
    static final Duration SETUP_PATIENCE = Duration.ofSeconds(30);

    final String name;
    final Connection nc;
    final JetStream js;
    final JetStreamManagement jsm;
    final KeyValue results;
    final KeyValue nodes;

    private Fleet(String name, Connection nc, int replicas) throws IOException, JetStreamApiException {
        this.name = name;
        this.nc = nc;
        this.jsm = nc.jetStreamManagement();
        this.js = nc.jetStream();
        ensureStream(replicas);
        this.results = bucket(Subjects.resultsBucket(name), replicas, Duration.ZERO);
        this.nodes = bucket(Subjects.nodesBucket(name), replicas, NODE_TTL);
    }

    static Fleet open(List<String> servers, String name, int replicas) {
        Subjects.token("fleet", name);
        Options options = Options.builder()
                .servers(servers.toArray(String[]::new))
                .connectionName("overseer-fleet-" + name)
                .connectionTimeout(Duration.ofSeconds(5))
                .reconnectWait(Duration.ofMillis(250))
                .maxReconnects(-1) // a node outlives a server's restart, and the loss of one of three
                .build();
        Connection nc;
        try {
            nc = Nats.connect(options);
        } catch (IOException e) {
            throw OverseerException.unavailable("--fleet: cannot reach %s: %s", String.join(",", servers), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OverseerException.unavailable("--fleet: interrupted connecting to %s", String.join(",", servers));
        }
        try {
            // A cluster that has just started answers JetStream only once it has elected its meta leader.
            long deadline = System.nanoTime() + SETUP_PATIENCE.toNanos();
            while (true) {
                try {
                    return new Fleet(name, nc, replicas);
                } catch (IOException | JetStreamApiException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(250);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OverseerException.unavailable("--fleet: interrupted setting up JetStream on %s", String.join(",", servers));
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            try {
                nc.close();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            if (e instanceof OverseerException oe) {
                throw oe;
            }
            throw OverseerException.unavailable("--fleet: JetStream on %s: %s", String.join(",", servers), e.getMessage());
        }
    }

    private void ensureStream(int replicas) throws IOException, JetStreamApiException {
        String stream = Subjects.stream(name);
        try {
            jsm.getStreamInfo(stream);
            return;
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
        }
        // WorkQueue: a command is removed once acked, so the stream holds exactly the work not yet done.
        StreamConfiguration sc = StreamConfiguration.builder()
                .name(stream)
                .subjects(Subjects.commands(name))
                .retentionPolicy(RetentionPolicy.WorkQueue)
                .storageType(StorageType.File)
                .replicas(replicas)
                .duplicateWindow(DUPLICATE_WINDOW)
                .build();
        try {
            jsm.addStream(sc);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != 10058) { // another node made it first ("stream name already in use")
                throw e;
            }
        }
    }

    private KeyValue bucket(String bucket, int replicas, Duration ttl) throws IOException, JetStreamApiException {
        var kvm = nc.keyValueManagement();
        try {
            kvm.getStatus(bucket);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
            KeyValueConfiguration.Builder b = KeyValueConfiguration.builder().name(bucket).replicas(replicas)
                    .storageType(StorageType.File);
            if (!ttl.isZero()) {
                b.ttl(ttl);
            }
            try {
                kvm.create(b.build());
            } catch (JetStreamApiException again) {
                if (again.getApiErrorCode() != 10058) {
                    throw again;
                }
            }
        }
        return nc.keyValue(bucket);
    }

    Optional<FleetResult> result(String id) {
        try {
            KeyValueEntry e = results.get(id);
            return e == null || e.getValue() == null ? Optional.empty() : Optional.of(FleetResult.parse(e.getValue()));
        } catch (IOException | JetStreamApiException e) {
            throw OverseerException.unavailable("results bucket: cannot read %s: %s", id, e.getMessage());
        }
    }

    /**
     * Changes {@code id}'s entry by compare-and-set on its revision, so that two nodes recording attempts of
     * the same command (a slow node and the one its command was redelivered to) both keep theirs.
     */
    FleetResult update(String id, java.util.function.Function<Optional<FleetResult>, FleetResult> change) throws IOException, JetStreamApiException {
        for (int tries = 0; ; tries++) {
            KeyValueEntry e = results.get(id);
            Optional<FleetResult> before = e == null || e.getValue() == null ? Optional.empty()
                    : Optional.of(FleetResult.parse(e.getValue()));
            FleetResult after = change.apply(before);
            try {
                if (e == null) {
                    results.create(id, after.toJson());
                } else {
                    results.update(id, after.toJson(), e.getRevision());
                }
                return after;
            } catch (JetStreamApiException conflict) {
                if (conflict.getApiErrorCode() != 10071 || tries > 20) { // 10071: wrong last sequence
                    throw conflict;
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
