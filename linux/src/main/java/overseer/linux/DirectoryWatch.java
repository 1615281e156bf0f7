package overseer.linux;

import overseer.core.OverseerException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * inotify(7) on directories, read on one thread of its own that runs a directory's callbacks when something in
 * it was created, written or renamed into it. What the oci module learns a monitor's news through: the monitor
 * has forked away, so no pidfd reports its end, and its files are the interface (as they are for CRI-O).
 *
 * <p>The JDK's WatchService does the same with three threads between the kernel and a callback (its poller, a
 * queue of keys, and a thread of ours to run callbacks off it) and a round trip to its poller for every
 * register and cancel; here the kernel wakes the thread that runs the callback, and a watch is one system call.
 * The kernel queues events while a callback runs, so a slow one delays the others but loses nothing; a queue
 * that overflowed runs every callback.
 */
public final class DirectoryWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DirectoryWatch.class.getName());
    private static final int IN_MODIFY = 0x2;
    private static final int IN_ATTRIB = 0x4;
    private static final int IN_MOVED_TO = 0x80;
    private static final int IN_CREATE = 0x100;
    private static final int IN_Q_OVERFLOW = 0x4000;
    private static final int IN_IGNORED = 0x8000;
    private static final int IN_ONLYDIR = 0x0100_0000;
    /** What the JDK's ENTRY_CREATE and ENTRY_MODIFY stand for on Linux. */
    private static final int MASK = IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | IN_ONLYDIR;
    /** struct inotify_event: int wd; uint32_t mask, cookie, len; char name[len]. */
    private static final int EVENT_HEADER = 16;

    /** What {@link #watch} returns, for {@link #cancel}. */
    public record Watched(Runnable callback, List<Integer> descriptors) {
        public static final Watched NONE = new Watched(() -> { }, List.of());
    }

    private final int fd;
    private final EventLoop loop;
    /** Callbacks by watch descriptor; guarded by {@code this}. */
    private final Map<Integer, List<Runnable>> callbacks = new HashMap<>();

    public DirectoryWatch(String threadName) {
        try {
            fd = LibC.inotifyInit();
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("no inotify: %s", e.getMessage());
        }
        loop = new EventLoop(threadName);
        try {
            loop.register(fd, loop.newToken(), events -> drain());
        } catch (LibC.Errno e) {
            close();
            throw OverseerException.internal("cannot watch the inotify descriptor: " + e.getMessage(), e);
        }
    }

    /** Runs {@code onChange} on the watch's thread whenever something is created or written in one of {@code dirs}. */
    public synchronized Watched watch(Runnable onChange, Path... dirs) {
        List<Integer> wds = new ArrayList<>();
        for (Path d : dirs) {
            try {
                int wd = LibC.inotifyAddWatch(fd, d.toString(), MASK);
                callbacks.computeIfAbsent(wd, k -> new ArrayList<>()).add(onChange);
                wds.add(wd);
            } catch (LibC.Errno e) {
                cancel(new Watched(onChange, wds));
                throw OverseerException.internal("cannot watch " + d + ": " + e.getMessage(), e);
            }
        }
        return new Watched(onChange, List.copyOf(wds));
    }

    /** Stops running the callback for its directories; the last callback of a directory takes its watch away. */
    public synchronized void cancel(Watched w) {
        for (int wd : w.descriptors()) {
            List<Runnable> l = callbacks.get(wd);
            if (l == null || !l.remove(w.callback()) || !l.isEmpty()) {
                continue;
            }
            callbacks.remove(wd);
            try {
                LibC.inotifyRmWatch(fd, wd);
            } catch (LibC.Errno e) {
                // EINVAL: the directory is gone, and its watch with it
            }
        }
    }

    /**
     * Runs {@code callback} on the watch's thread soon, whether or not a file changed, after the callbacks of every
     * change made before this call: the loop may run its queued work before it reads the inotify descriptor, so the
     * events already queued there are drained first.
     */
    public void poke(Runnable callback) {
        loop.execute(() -> {
            drain();
            run(callback);
        });
    }

    /** On the loop's thread: reads every queued event, then runs each directory's callbacks once. */
    private void drain() {
        MemorySegment buf = loop.readBuffer();
        Set<Integer> changed = new LinkedHashSet<>();
        boolean overflow = false;
        try {
            long n;
            while ((n = LibC.read(fd, buf, buf.byteSize())) > 0) {
                for (long at = 0; at + EVENT_HEADER <= n; at += EVENT_HEADER + buf.get(ValueLayout.JAVA_INT_UNALIGNED, at + 12)) {
                    int wd = buf.get(ValueLayout.JAVA_INT_UNALIGNED, at);
                    int mask = buf.get(ValueLayout.JAVA_INT_UNALIGNED, at + 4);
                    if ((mask & IN_Q_OVERFLOW) != 0) {
                        overflow = true;
                    } else if ((mask & IN_IGNORED) != 0) {
                        forget(wd);
                    } else {
                        changed.add(wd);
                    }
                }
            }
        } catch (LibC.Errno e) {
            LOG.log(System.Logger.Level.ERROR, "cannot read inotify events; every watched directory is looked at", e);
            overflow = true;
        }
        for (Runnable r : due(changed, overflow)) {
            run(r);
        }
    }

    private synchronized List<Runnable> due(Set<Integer> changed, boolean all) {
        Set<Runnable> due = new LinkedHashSet<>();
        if (all) {
            callbacks.values().forEach(due::addAll);
        } else {
            changed.forEach(wd -> due.addAll(callbacks.getOrDefault(wd, List.of())));
        }
        return List.copyOf(due);
    }

    /** The kernel dropped the watch (its directory was removed). */
    private synchronized void forget(int wd) {
        callbacks.remove(wd);
    }

    private static void run(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // One task's broken files must not stop the others' news from being seen.
            LOG.log(System.Logger.Level.WARNING, "directory watch callback failed", e);
        }
    }

    /** Stops the thread; callbacks not yet run are not run. */
    @Override
    public void close() {
        loop.close();
        LibC.close(fd);
    }
}
