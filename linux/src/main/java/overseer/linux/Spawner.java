package overseer.linux;

import overseer.core.OverseerException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntSupplier;

/**
 * Decides which thread calls posix_spawn, because a child inherits two things from the calling thread, not
 * from the process: its cgroup v1 membership and its capability bounding set.
 * <ul>
 *   <li>A process with v1 cgroups only (no v2 cgroup, hence no gate) is spawned by a platform thread of the
 *       <em>placing</em> pool, which first writes its own thread id to the {@code tasks} file of each of
 *       the task's v1 cgroups. The child is then born inside them: no instruction of it runs outside.
 *       Afterwards the thread moves to the parent cgroup Overseer made (it never writes to the cgroups the
 *       JVM started in, which may not be its to change) and waits there.</li>
 *   <li>Once {@link #drop capabilities were dropped}, every spawn goes through these dedicated threads,
 *       each of which drops the set from its own bounding set before its next spawn (PR_CAPBSET_DROP acts
 *       on the calling thread only). Plain spawns then use the <em>plain</em> pool, whose threads never
 *       change cgroups.</li>
 *   <li>Otherwise, the common case, the caller's own thread spawns: no hand-off, no extra cost.</li>
 * </ul>
 * A virtual thread could change carriers between the move and the spawn; the pools are platform threads.
 */
final class Spawner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Spawner.class.getName());
    private static final int THREADS = 2;

    private final List<Path> parking;
    private final ExecutorService placing;
    private final ExecutorService plain;
    private final Set<Long> threadIds = ConcurrentHashMap.newKeySet();
    private volatile Set<Capability> dropped = Set.of();
    private final ThreadLocal<Set<Capability>> droppedHere = ThreadLocal.withInitial(() -> EnumSet.noneOf(Capability.class));

    /** {@code parking}: the {@code tasks} files of the parent cgroups placing threads wait in. */
    Spawner(List<Path> parking) {
        this.parking = List.copyOf(parking);
        this.placing = Executors.newFixedThreadPool(THREADS, Thread.ofPlatform().name("overseer-spawn-placed-", 0)
                .daemon(true).factory());
        this.plain = Executors.newFixedThreadPool(THREADS, Thread.ofPlatform().name("overseer-spawn-", 0)
                .daemon(true).factory());
    }

    /**
     * Runs {@code spawn} (a posix_spawn that returns the pid) so that the child starts in the cgroups whose
     * v1 {@code tasks} files are {@code v1TasksFiles}, without the dropped capabilities.
     */
    int spawn(List<Path> v1TasksFiles, IntSupplier spawn) {
        if (v1TasksFiles.isEmpty() && dropped.isEmpty()) {
            return spawn.getAsInt();
        }
        boolean place = !v1TasksFiles.isEmpty();
        Future<Integer> f = (place ? placing : plain).submit(() -> {
            threadIds.add((long) LibC.gettid());
            dropHere();
            return place ? placed(v1TasksFiles, spawn) : spawn.getAsInt();
        });
        return await(f);
    }

    /**
     * Waits for the spawn even when interrupted: once submitted it will run, and a child nobody knows of
     * would be left behind.
     */
    private static int await(Future<Integer> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw OverseerException.internal("spawn failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private int placed(List<Path> tasksFiles, IntSupplier spawn) {
        String tid = Integer.toString(LibC.gettid());
        try {
            for (Path f : tasksFiles) {
                try {
                    CgroupFs.write(f, tid);
                } catch (IOException e) {
                    throw OverseerException.unavailable("cannot place the spawning thread in %s: %s", f.getParent(),
                            CgroupFs.reason(e));
                }
            }
            return spawn.getAsInt();
        } finally {
            park(tid, tasksFiles);
        }
    }

    /**
     * Out of the task's cgroups, so that they can be removed: into the parent of each hierarchy it entered
     * (a task with a tracking cgroup alone enters one), made again if another runtime removed it.
     */
    private void park(String tid, List<Path> entered) {
        for (Path f : parking) {
            if (entered.stream().noneMatch(t -> t.startsWith(f.getParent()))) {
                continue;
            }
            try {
                CgroupFs.write(f, tid);
            } catch (IOException e) {
                try {
                    Files.createDirectories(f.getParent());
                    CgroupFs.write(f, tid);
                } catch (IOException again) {
                    LOG.log(System.Logger.Level.ERROR, "spawner thread " + tid + " cannot leave a task's cgroup for "
                            + f.getParent() + ": " + CgroupFs.reason(again) + "; that cgroup cannot be removed");
                }
            }
        }
    }

    // --- capabilities ---------------------------------------------------------------------------------

    /**
     * One-way: {@code caps} leave the bounding set of every process spawned from now on. FAILED_PRECONDITION
     * when this process cannot drop capabilities (it lacks CAP_SETPCAP: not root).
     */
    synchronized void drop(Set<Capability> caps) {
        if (!ProcFs.hasEffectiveCapability(Capability.SETPCAP)) {
            throw OverseerException.failedPrecondition(
                    "setUnprivileged: dropping capabilities needs CAP_SETPCAP, which Overseer (uid %d) does not have",
                    LibC.geteuid());
        }
        EnumSet<Capability> all = EnumSet.noneOf(Capability.class);
        all.addAll(dropped);
        all.addAll(caps);
        dropped = Set.copyOf(all);
    }

    Set<Capability> dropped() {
        return dropped;
    }

    /** On a spawner thread: catches its own bounding set up with {@link #dropped}. */
    private void dropHere() {
        Set<Capability> done = droppedHere.get();
        int last = ProcFs.lastCapability();
        for (Capability c : dropped) {
            if (done.contains(c)) {
                continue;
            }
            if (c.number() <= last) {
                try {
                    LibC.prctl(LibC.PR_CAPBSET_DROP, c.number());
                } catch (LibC.Errno e) {
                    throw OverseerException.unavailable("cannot drop %s from the bounding set: %s", c.capName(), e.getMessage());
                }
            }
            done.add(c);
        }
    }

    /** The kernel ids of the spawner threads that ever ran: they wait in the parent cgroups. */
    Set<Long> threadIds() {
        return Set.copyOf(threadIds);
    }

    /** Ends the spawner threads; they leave their cgroups as they exit. */
    @Override
    public void close() {
        placing.close();
        plain.close();
    }
}
