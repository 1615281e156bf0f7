package overseer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class EventBusTest {
    private static final String NS = "default";

    private static Event start(long pid) {
        return new Event.TaskStart("t", pid);
    }

    private static void publishStarts(EventBus bus, long from, long toInclusive) {
        for (long i = from; i <= toInclusive; i++) {
            bus.publish(NS, start(i));
        }
    }

    /** Everything currently buffered, in delivery order, without waiting. */
    private static List<Envelope> drain(Subscription s) {
        List<Envelope> out = new ArrayList<>();
        for (Optional<Envelope> e = s.poll(); e.isPresent(); e = s.poll()) {
            out.add(e.get());
        }
        return out;
    }

    /** A compact picture of a delivery: "s<pid>" for a TaskStart, "loss<count>" for an EventLoss. */
    private static List<String> describe(List<Envelope> envelopes) {
        return envelopes.stream().map(e -> switch (e.event()) {
            case Event.TaskStart s -> "s" + s.pid();
            case Event.EventLoss l -> "loss" + l.count();
            default -> e.topic();
        }).toList();
    }

    private static String describe(Envelope e) {
        return describe(List.of(e)).getFirst();
    }

    @Test
    void everySubscriberSeesEventsInPublicationOrderWithIncreasingSequence() {
        EventBus bus = new EventBus();
        Subscription a = bus.subscribe();
        Subscription b = bus.subscribe();
        assertThat(bus.subscriberCount()).isEqualTo(2);

        bus.publish(NS, new Event.TaskCreate("t", List.of("/bin/true")));
        bus.publish("other", new Event.TaskStart("t", 42));
        bus.publish(NS, new Event.TaskPaused("t"));
        bus.publish(NS, new Event.TaskResumed("t"));

        List<Envelope> seenA = drain(a);
        List<Envelope> seenB = drain(b);
        assertThat(seenA).extracting(Envelope::topic)
                .containsExactly("/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed");
        assertThat(seenB).isEqualTo(seenA); // the very same envelopes, same order
        assertThat(seenA).extracting(Envelope::namespace).containsExactly(NS, "other", NS, NS);
        assertThat(seenA.get(1).event()).isEqualTo(new Event.TaskStart("t", 42));
        List<Long> seqs = seenA.stream().map(Envelope::sequence).toList();
        assertThat(seqs).isSorted().doesNotHaveDuplicates().allMatch(s -> s > 0);
        for (int i = 1; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).isEqualTo(seqs.get(i - 1) + 1);
        }
    }

    @Test
    void subscriberOnlyGetsEventsPublishedAfterItSubscribed() {
        EventBus bus = new EventBus();
        bus.publish(NS, start(1));
        Subscription s = bus.subscribe();
        bus.publish(NS, start(2));
        assertThat(describe(drain(s))).containsExactly("s2");
    }

    @Test
    void topicFilterMatchesExactTopicsAndPrefixes() {
        EventBus bus = new EventBus();
        Subscription exits = bus.subscribe(16, EventBus.topics("/tasks/exit"));
        Subscription tasks = bus.subscribe(16, EventBus.topics("/tasks/*"));
        Subscription some = bus.subscribe(16, EventBus.topics("/tasks/exit", "/tasks/exec-*"));
        Subscription none = bus.subscribe(16, EventBus.topics("/tasks/exi"));

        Exit exit = Exit.exited(0, Instant.EPOCH);
        bus.publish(NS, new Event.TaskCreate("t", List.of("x")));
        bus.publish(NS, new Event.TaskExecAdded("t", "e"));
        bus.publish(NS, new Event.TaskExit("t", "t", 7, exit));
        bus.publish(NS, new Event.TaskExecStarted("t", "e", 8));
        bus.publish(NS, new Event.TaskOOM("t"));

        assertThat(drain(exits)).extracting(Envelope::event)
                .containsExactly(new Event.TaskExit("t", "t", 7, exit));
        assertThat(drain(tasks)).extracting(Envelope::topic).containsExactly(
                "/tasks/create", "/tasks/exec-added", "/tasks/exit", "/tasks/exec-started", "/tasks/oom");
        assertThat(drain(some)).extracting(Envelope::topic)
                .containsExactly("/tasks/exec-added", "/tasks/exit", "/tasks/exec-started");
        assertThat(drain(none)).isEmpty();
    }

    @Test
    void topicsPredicateOnSingleEnvelopes() {
        var exitOnly = EventBus.topics("/tasks/exit");
        var tasks = EventBus.topics("/tasks/*");
        Envelope exit = new Envelope(1, Instant.EPOCH, NS, new Event.TaskExit("t", "t", 1, Exit.exited(0, Instant.EPOCH)));
        Envelope loss = new Envelope(0, Instant.EPOCH, "", new Event.EventLoss(3));
        assertThat(exitOnly.test(exit)).isTrue();
        assertThat(exitOnly.test(loss)).isFalse();
        assertThat(tasks.test(exit)).isTrue();
        assertThat(tasks.test(loss)).isFalse();
        assertThat(EventBus.topics().test(exit)).isFalse();
    }

    @Test
    void slowSubscriberGetsOneLossInPlaceOfTheGapThenResumes() {
        EventBus bus = new EventBus();
        Subscription s = bus.subscribe(3, e -> true);
        Subscription fast = bus.subscribe(1000, e -> true);

        publishStarts(bus, 1, 3);      // fills the buffer
        publishStarts(bus, 4, 8);      // 5 missed
        assertThat(describe(s.poll().orElseThrow())).isEqualTo("s1"); // frees a slot
        publishStarts(bus, 9, 9);      // taken after the gap

        List<Envelope> got = drain(s);
        assertThat(describe(got)).containsExactly("s2", "s3", "loss5", "s9");
        Envelope loss = got.get(2);
        assertThat(loss.sequence()).isZero();
        assertThat(loss.topic()).isEqualTo("/events/loss");
        assertThat(loss.event()).isEqualTo(new Event.EventLoss(5));
        // the loss sits where the gap is: not later than the event after it
        assertThat(loss.timestamp()).isBeforeOrEqualTo(got.get(3).timestamp());
        assertThat(s.poll()).isEmpty();

        // a subscriber with room lost nothing
        assertThat(describe(drain(fast))).containsExactly("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9");
    }

    @Test
    void dropsAreCountedBySubscriberNameOverAllItsSubscriptionsAndOutliveThem() {
        EventBus bus = new EventBus();
        Subscription slow = bus.subscribe("slow", 2, e -> true);
        Subscription alsoSlow = bus.subscribe("slow", 1, e -> true);
        Subscription roomy = bus.subscribe("roomy", 100, e -> true);
        Subscription unnamed = bus.subscribe(1, e -> true);

        publishStarts(bus, 1, 5);
        assertThat(describe(drain(slow))).containsExactly("s1", "s2", "loss3");
        slow.close();
        alsoSlow.close();
        publishStarts(bus, 6, 6); // nobody named slow listens: nothing more is its loss

        // 3 + 4 for "slow"; a counter survives its subscriptions, as a Prometheus counter must
        assertThat(bus.dropped()).containsEntry("slow", 7L).containsEntry("roomy", 0L)
                .containsEntry(EventBus.UNNAMED, 5L);
        assertThat(drain(roomy)).hasSize(6);
        unnamed.close();
        assertThatThrownBy(() -> bus.subscribe(" ", 1, e -> true)).isInstanceOf(OverseerException.class)
                .hasMessageContaining("name");
    }

    @Test
    void severalGapsGiveOneLossEachWithExactCounts() {
        EventBus bus = new EventBus();
        Subscription s = bus.subscribe(2, e -> true);

        publishStarts(bus, 1, 2);  // buffer [1,2]
        publishStarts(bus, 3, 5);  // 3 missed
        assertThat(describe(s.poll().orElseThrow())).isEqualTo("s1");
        publishStarts(bus, 6, 6);  // [2, loss3, 6]
        publishStarts(bus, 7, 7);  // 1 missed
        assertThat(describe(s.poll().orElseThrow())).isEqualTo("s2");
        publishStarts(bus, 8, 8);  // [loss3, 6, loss1, 8]
        publishStarts(bus, 9, 12); // 4 missed
        assertThat(describe(s.poll().orElseThrow())).isEqualTo("loss3");
        assertThat(describe(s.poll().orElseThrow())).isEqualTo("s6");
        assertThat(describe(s.poll().orElseThrow())).isEqualTo("loss1");
        publishStarts(bus, 13, 14); // 13 taken after loss4, 14 missed (buffer is [8, 13])

        assertThat(describe(drain(s))).containsExactly("s8", "loss4", "s13", "loss1");
        assertThat(s.poll()).isEmpty();

        publishStarts(bus, 15, 15);
        assertThat(describe(drain(s))).containsExactly("s15");
    }

    @Test
    void lossThatIsTheNewestThingIsDeliveredAfterTheBufferIsDrained() throws InterruptedException {
        EventBus bus = new EventBus();
        Subscription s = bus.subscribe(4, e -> true);
        publishStarts(bus, 1, 10); // 4 kept, 6 missed

        assertThat(describe(s.next())).isEqualTo("s1");
        assertThat(describe(s.next())).isEqualTo("s2");
        assertThat(describe(s.next())).isEqualTo("s3");
        assertThat(describe(s.next())).isEqualTo("s4");
        Envelope loss = s.next(); // must not wait: the loss is pending
        assertThat(loss.event()).isEqualTo(new Event.EventLoss(6));
        assertThat(loss.sequence()).isZero();
        assertThat(s.poll()).isEmpty();

        publishStarts(bus, 11, 11);
        assertThat(describe(drain(s))).containsExactly("s11");
    }

    @Test
    void pendingLossIsReturnedByTimedPollWithoutWaiting() throws InterruptedException {
        EventBus bus = new EventBus();
        Subscription s = bus.subscribe(1, e -> true);
        publishStarts(bus, 1, 3);
        assertThat(s.poll(Duration.ofDays(1)).map(EventBusTest::describe)).contains("s1");
        assertThat(s.poll(Duration.ofDays(1)).map(EventBusTest::describe)).contains("loss2");
        assertThat(s.poll(Duration.ZERO)).isEmpty();
    }

    @Test
    void filteredOutEventsAreNotCountedAsLost() {
        EventBus bus = new EventBus();
        Subscription s = bus.subscribe(1, EventBus.topics("/tasks/start"));
        bus.publish(NS, start(1));
        bus.publish(NS, new Event.TaskPaused("t"));  // filtered, not lost
        bus.publish(NS, start(2));                   // lost
        bus.publish(NS, new Event.TaskResumed("t")); // filtered, not lost
        assertThat(describe(drain(s))).containsExactly("s1", "loss1");
    }

    @Test
    void publishNeverBlocksOnASubscriberThatNeverReads() {
        EventBus bus = new EventBus();
        Subscription stuck = bus.subscribe(16, e -> true);
        int total = 100_000;
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> publishStarts(bus, 1, total));

        List<Envelope> got = drain(stuck);
        assertThat(got).hasSize(17);
        assertThat(describe(got.subList(0, 16)))
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 16).mapToObj(i -> "s" + i).toList());
        assertThat(got.get(16).event()).isEqualTo(new Event.EventLoss(total - 16));
    }

    @Test
    void closeUnsubscribes() {
        EventBus bus = new EventBus();
        Subscription kept = bus.subscribe();
        Subscription closed = bus.subscribe();
        publishStarts(bus, 1, 1);
        assertThat(bus.subscriberCount()).isEqualTo(2);

        closed.close();
        assertThat(bus.subscriberCount()).isEqualTo(1);
        publishStarts(bus, 2, 2);

        assertThat(closed.poll()).isEmpty();
        assertThat(describe(drain(kept))).containsExactly("s1", "s2");
    }

    @Test
    void timedPollTimesOutEmpty() throws InterruptedException {
        EventBus bus = new EventBus();
        Subscription s = bus.subscribe();
        long t0 = System.nanoTime();
        assertThat(s.poll(Duration.ofMillis(50))).isEmpty();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(s.poll(Duration.ZERO)).isEmpty();
        assertThat(s.poll(Duration.ofMillis(-5))).isEmpty();
        assertThat(s.poll()).isEmpty();
    }

    @Test
    void waitingPollIsWokenByPublication() throws Exception {
        EventBus bus = new EventBus();
        Subscription s = bus.subscribe();
        CountDownLatch polling = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Optional<Envelope>> f = pool.submit(() -> {
                polling.countDown();
                return s.poll(Duration.ofMinutes(1));
            });
            polling.await();
            bus.publish(NS, start(5));
            assertThat(f.get(30, TimeUnit.SECONDS).map(EventBusTest::describe)).contains("s5");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void capacityMustBePositive() {
        EventBus bus = new EventBus();
        assertThatThrownBy(() -> bus.subscribe(0, e -> true))
                .isInstanceOfSatisfying(OverseerException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("capacity");
        assertThat(bus.subscriberCount()).isZero();
    }

    @Test
    void concurrentPublishersAreSeenExactlyOnceInStrictSequenceOrder() throws Exception {
        EventBus bus = new EventBus();
        int threads = 8;
        int perThread = 5_000;
        Subscription all = bus.subscribe(threads * perThread, e -> true);
        Subscription other = bus.subscribe(threads * perThread, e -> true);

        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String id = "t" + t;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        bus.publish(NS, new Event.TaskStart(id, i));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<Envelope> got = drain(all);
        assertThat(got).hasSize(threads * perThread);
        assertThat(got).noneMatch(e -> e.event() instanceof Event.EventLoss);
        for (int i = 1; i < got.size(); i++) {
            assertThat(got.get(i).sequence()).isGreaterThan(got.get(i - 1).sequence());
        }
        Set<Event> distinct = new HashSet<>();
        for (Envelope e : got) {
            assertThat(distinct.add(e.event())).as("seen once: %s", e.event()).isTrue();
        }
        // per publisher, its own events keep the order it published them in
        for (int t = 0; t < threads; t++) {
            String id = "t" + t;
            List<Long> pids = got.stream().map(Envelope::event).map(Event.TaskStart.class::cast)
                    .filter(s -> s.taskId().equals(id)).map(Event.TaskStart::pid).toList();
            assertThat(pids).hasSize(perThread).isSorted();
        }
        // every subscriber sees the one global order
        assertThat(drain(other)).isEqualTo(got);
    }

    /**
     * Publishers and readers share no lock: with a small buffer and two readers taking while four publishers
     * publish, every event is still either delivered once, in sequence order, or counted in exactly one loss.
     */
    @Test
    void readersRacingPublishersSeeEveryEventOnceOrCountItLost() throws Exception {
        EventBus bus = new EventBus();
        int publishers = 4;
        int perPublisher = 20_000;
        Subscription s = bus.subscribe(8, e -> true);
        List<Envelope> delivered = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(publishers + 2);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    List<Envelope> mine = new ArrayList<>();
                    while (true) {
                        Optional<Envelope> e = s.poll(Duration.ofMillis(20));
                        if (e.isEmpty()) {
                            if (!publishing.get()) {
                                break;
                            }
                            continue;
                        }
                        if (e.get().event() instanceof Event.EventLoss l) {
                            lost.addAndGet(l.count());
                        } else {
                            mine.add(e.get());
                        }
                    }
                    // Each reader's own takes come in the order the events were published.
                    for (int i = 1; i < mine.size(); i++) {
                        assertThat(mine.get(i).sequence()).isGreaterThan(mine.get(i - 1).sequence());
                    }
                    delivered.addAll(mine);
                    return null;
                }));
            }
            List<Future<?>> sending = new ArrayList<>();
            for (int t = 0; t < publishers; t++) {
                String id = "t" + t;
                sending.add(pool.submit(() -> {
                    for (int i = 0; i < perPublisher; i++) {
                        bus.publish(NS, new Event.TaskStart(id, i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : sending) {
                f.get(60, TimeUnit.SECONDS);
            }
            publishing.set(false);
            for (Future<?> f : readers) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Set<Long> sequences = new HashSet<>();
        for (Envelope e : delivered) {
            assertThat(sequences.add(e.sequence())).as("delivered once: %s", e.sequence()).isTrue();
        }
        assertThat(delivered.size() + lost.get()).isEqualTo((long) publishers * perPublisher);
        assertThat(bus.dropped()).containsEntry(EventBus.UNNAMED, lost.get());
    }

    @Test
    void aWaitingReaderThatIsInterruptedStopsWaiting() throws Exception {
        Subscription s = new EventBus().subscribe();
        Thread reader = Thread.currentThread();
        Thread interrupter = Thread.ofPlatform().start(() -> {
            while (reader.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
            }
            reader.interrupt();
        });
        try {
            assertThatThrownBy(s::next).isInstanceOf(InterruptedException.class);
        } finally {
            interrupter.join();
        }
    }
}
