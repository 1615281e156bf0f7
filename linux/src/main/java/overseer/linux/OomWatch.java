package overseer.linux;

import overseer.linux.CgroupLayout.Controller;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reports each OOM kill in a task's cgroup once. The kernel's kill counter (v1 memory.oom_control
 * oom_kill, v2 memory.events oom_kill) is the truth; notifications only say when to look:
 * <ul>
 *   <li>v1: an eventfd registered on memory.oom_control through cgroup.event_control. It fires when the
 *       cgroup goes out of memory, just before the victim is chosen, so the counter is read again a few
 *       times afterwards;</li>
 *   <li>v2: memory.events itself, which signals EPOLLPRI after each counter change.</li>
 * </ul>
 * Every exit of a process of the task looks too ({@link #check()}), before the exit is reported, so the
 * /tasks/oom of a kill always comes before the /tasks/exit of its victim.
 */
final class OomWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OomWatch.class.getName());
    private static final int RECHECKS = 50;
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final EventLoop loop;
    private final TaskCgroup cgroup;
    private final Runnable onKill;
    private long reported;
    private int eventFd = -1;
    private int watchedFd = -1;
    private long token;
    private volatile boolean closed;

    OomWatch(EventLoop loop, TaskCgroup cgroup, Runnable onKill) {
        this.loop = loop;
        this.cgroup = cgroup;
        this.onKill = onKill;
        this.reported = cgroup.oomKills();
    }

    /** Starts listening; where the kernel offers no notification, exits alone find the kills. */
    synchronized void start() {
        Path memory = cgroup.dir(Controller.MEMORY).orElse(null);
        if (memory == null) {
            return;
        }
        try {
            switch (cgroup.version(Controller.MEMORY)) {
                case V1 -> {
                    eventFd = LibC.eventfd();
                    watchedFd = LibC.open(memory.resolve("memory.oom_control").toString(), LibC.O_RDONLY);
                    CgroupFs.write(memory.resolve("cgroup.event_control"), eventFd + " " + watchedFd);
                    token = loop.newToken();
                    loop.register(eventFd, token, ev -> v1Fired());
                }
                case V2 -> {
                    watchedFd = LibC.open(memory.resolve("memory.events").toString(), LibC.O_RDONLY);
                    token = loop.newToken();
                    loop.register(watchedFd, token, LibC.EPOLLPRI, ev -> v2Fired());
                }
                case NONE -> {
                }
            }
        } catch (LibC.Errno | IOException e) {
            // Not fatal: the counter is still read at every exit. (A fake cgroup tree lands here too.)
            LOG.log(System.Logger.Level.DEBUG, "no OOM notification for " + cgroup + ": " + e.getMessage());
            closeFds();
        }
    }

    /** On the loop thread. */
    private void v1Fired() {
        try (Arena a = Arena.ofConfined()) {
            LibC.read(eventFd, a.allocate(8), 8);
        } catch (LibC.Errno ignored) {
            // drained by an earlier wake-up
        }
        if (check() > 0 || closed) {
            return;
        }
        // The notification comes before the kill is counted: look again shortly, off the loop thread.
        Thread.ofVirtual().name("overseer-oom-recheck").start(() -> {
            for (int i = 0; i < RECHECKS && !closed; i++) {
                LockSupport.parkNanos(RECHECK_NANOS);
                if (check() > 0) {
                    return;
                }
            }
        });
    }

    /** On the loop thread: reading memory.events through the watched descriptor re-arms it. */
    private void v2Fired() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(512);
            LibC.pread(watchedFd, buf, buf.byteSize(), 0);
        } catch (LibC.Errno ignored) {
            // the counter is read from the file below anyway
        }
        check();
    }

    /** Reports the kills not reported yet; returns how many there were. */
    synchronized int check() {
        if (closed) {
            return 0;
        }
        long now = cgroup.oomKills();
        int n = 0;
        while (reported < now) {
            reported++;
            n++;
            onKill.run();
        }
        return n;
    }

    private synchronized void closeFds() {
        if (token != 0) {
            int fd = eventFd >= 0 ? eventFd : watchedFd;
            loop.unregister(fd, token);
            token = 0;
        }
        if (eventFd >= 0) {
            LibC.close(eventFd);
            eventFd = -1;
        }
        if (watchedFd >= 0) {
            LibC.close(watchedFd);
            watchedFd = -1;
        }
    }

    /**
     * Stops listening; call before the cgroup is removed (removal fires the v1 eventfd once more). The
     * descriptors are closed on the loop thread, where the handlers that read them run: never under them.
     */
    @Override
    public synchronized void close() {
        check();
        closed = true;
        loop.execute(this::closeFds);
    }
}
