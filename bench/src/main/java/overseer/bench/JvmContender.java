package overseer.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** A peer that spawns from inside this JVM, through a {@link Spawner}, on platform threads. */
final class JvmContender implements Contender {
    private final String name;
    private final Spawner spawner;

    JvmContender(String name, Spawner spawner) {
        this.name = name;
        this.spawner = spawner;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void warmUp(int spawns, int callers) throws Exception {
        run(spawns, callers);
    }

    @Override
    public Sample run(int spawns, int callers) throws Exception {
        int perCaller = spawns / callers;
        LongAdder callNanos = new LongAdder();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        // Threads are created before the clock starts: their start-up is not what is measured.
        for (int c = 0; c < callers; c++) {
            threads.add(Thread.ofPlatform().name(name + "-caller-" + c).start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < perCaller && failure.get() == null; i++) {
                        long t0 = System.nanoTime();
                        spawner.spawnAndWait();
                        callNanos.add(System.nanoTime() - t0);
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long elapsed = System.nanoTime() - start;
        if (failure.get() != null) {
            throw failure.get();
        }
        return new Sample(callers, perCaller * callers, elapsed, callNanos.sum());
    }

    @Override
    public void close() {
        spawner.close();
    }
}
