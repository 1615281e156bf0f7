package overseer.cli;

import overseer.core.Exit;
import overseer.core.Signal;
import overseer.linux.Child;
import overseer.linux.ExitFiles;
import overseer.linux.Subreaper;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What {@code overseer daemon} runs: a small parent for the real daemon, which it spawns as its child and
 * restarts when it crashes (systemd's Restart=on-failure). It is the child subreaper of everything below it,
 * so a task whose daemon died is reparented to it; when such a task exits, the monitor records the exit in
 * {@code <state-dir>/exits} before reaping it, and the next daemon reads it there. No exit is lost, and
 * nothing is paid per task: the monitor only waits. See docs/daemon.md, "Durability: the monitor".
 */
final class Monitor {
    static final String PID_FILE = "daemon.pid";
    static final String EXIT_DIR = "exits";
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 10_000;
    /** Up this long, a daemon that crashes is restarted after the shortest backoff again. */
    private static final long HEALTHY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Duration PRUNE_AGE = Duration.ofDays(1);
    private static final long PRUNE_EVERY_NANOS = TimeUnit.HOURS.toNanos(1);

    private final Path stateDir;
    private final Path exitDir;
    private final List<String> daemonArgs;
    private final Subreaper reaper = new Subreaper();
    private volatile Child daemon;
    /** Set by the first SIGTERM or SIGINT: the daemon is asked to stop and is not restarted. */
    private volatile boolean stopping;
    /** Set once the daemon has stopped for good and the monitor only waits for orphaned tasks. */
    private volatile boolean draining;
    private volatile int exitStatus;
    private long lastPrune;

    /** {@code daemonArgs}: the arguments of {@code overseer daemon}, given again to the daemon child. */
    Monitor(Path stateDir, List<String> daemonArgs) {
        this.stateDir = stateDir;
        this.exitDir = stateDir.resolve(EXIT_DIR);
        this.daemonArgs = List.copyOf(daemonArgs);
    }

    int run() throws IOException {
        Subreaper.becomeSubreaper();
        Files.createDirectories(stateDir);
        Files.createDirectories(exitDir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Signals.on(java.util.List.of("TERM", "INT", "HUP"), this::onSignal);
        prune();
        long backoffMs = FIRST_BACKOFF_MS;
        boolean first = true;
        while (true) {
            Child child = reaper.spawn(daemonCommand(), System.getenv());
            daemon = child;
            long startedAt = System.nanoTime();
            if (stopping) {
                child.signal(Signal.SIGTERM); // asked to stop while this one was being started
            }
            Exit exit = awaitDaemon(child);
            boolean cameUp = cameUp(child.pid());
            if (stopping || exit.success()) {
                exitStatus = exit.exitCode();
                break;
            }
            if (first && !cameUp && exit.signal().isEmpty()) {
                // It never came up (a bad flag, a socket in use): starting it again would not help.
                exitStatus = exit.exitCode();
                break;
            }
            first = false;
            // Backing off is for a daemon that cannot start; one that served and was then killed comes back quickly.
            if (cameUp || System.nanoTime() - startedAt >= HEALTHY_NANOS) {
                backoffMs = FIRST_BACKOFF_MS;
            }
            overseer.server.LifecycleLog.daemonEnded(child.pid(), exit.toString(), java.time.Duration.ofMillis(backoffMs));
            recordOrphansFor(backoffMs);
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            if (stopping) {
                exitStatus = exit.exitCode();
                break;
            }
        }
        drain();
        return exitStatus;
    }

    /**
     * What bin/overseer gives a verb's JVM and the daemon must not inherit. -Xrs is for a JVM whose signals the
     * launcher blocked (see Signals); the daemon starts with none blocked (posix_spawn's empty mask) and takes TERM,
     * INT and HUP through the JVM's own handlers. -XX:TieredStopAtLevel=1 (C1 only) suits a verb that lives a few
     * milliseconds; the daemon serves for days, and with C1 alone its requests ran at a fraction of their speed
     * (docs/benchmarks.md §19).
     */
    private static final java.util.Set<String> CLI_ONLY = java.util.Set.of("-Xrs", "-XX:+ReduceSignalUsage", "-XX:TieredStopAtLevel=1");

    /** The daemon child: this JVM again (same java, class path and JVM flags but {@link #CLI_ONLY}), serving. */
    private List<String> daemonCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        if (jvm.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        jvm.stream().filter(a -> !CLI_ONLY.contains(a)).forEach(cmd::add);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("daemon");
        cmd.addAll(daemonArgs);
        cmd.add("--serve");
        cmd.add("--monitor-pid=" + ProcessHandle.current().pid());
        return cmd;
    }

    /** Records every orphan that exits until the daemon itself exits; returns how it ended (reaped). */
    private Exit awaitDaemon(Child child) {
        while (true) {
            Optional<Subreaper.Exited> e = reaper.awaitExit();
            if (e.isEmpty()) {
                throw new IllegalStateException("the daemon child " + child.pid() + " vanished");
            }
            if (e.get().pid() == child.pid()) {
                child.close(); // before the reap: a signal can no longer reach a recycled pid
                reaper.reap(child.pid());
                return e.get().exit();
            }
            record(e.get());
        }
    }

    /** While the daemon is down: orphans that exit now are recorded too. */
    private void recordOrphansFor(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!stopping && System.nanoTime() < deadline) {
            Optional<Subreaper.Exited> e = reaper.pollExit();
            if (e.isPresent()) {
                record(e.get());
            } else {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    /**
     * An orphaned task process ended: its exit goes to {@code exits/<pid>-<starttime>}, then it is reaped.
     * Only group leaders are recorded (every task and exec is spawned as one); a task's own orphans are
     * reaped without a trace.
     */
    private void record(Subreaper.Exited e) {
        OptionalLong start = Subreaper.groupLeaderStartTime(e.pid());
        if (start.isPresent()) {
            try {
                ExitFiles.write(exitDir, e.pid(), start.getAsLong(), e.exit());
            } catch (IOException io) {
                overseer.server.LifecycleLog.daemonWarning("monitor", "cannot record the exit of pid " + e.pid() + " (" + e.exit()
                        + "): " + io);
            }
        }
        reaper.reap(e.pid());
        if (System.nanoTime() - lastPrune > PRUNE_EVERY_NANOS) {
            prune();
        }
    }

    private void prune() {
        lastPrune = System.nanoTime();
        ExitFiles.prune(exitDir, PRUNE_AGE);
    }

    /** The daemon writes its pid once it serves: a daemon that exits without having done so never came up. */
    private boolean cameUp(int pid) {
        Path f = stateDir.resolve(PID_FILE);
        try {
            boolean up = Files.readString(f).strip().equals(Integer.toString(pid));
            if (up) {
                Files.deleteIfExists(f); // the pid may be reused from now on
            }
            return up;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The daemon stopped for good: tasks it left running are now the monitor's children; wait for them. */
    private void drain() {
        long left = Subreaper.children();
        if (left <= 0) {
            return;
        }
        draining = true;
        // Until they end; a second SIGTERM or SIGINT leaves them unrecorded.
        overseer.server.LifecycleLog.monitorDraining(left);
        Optional<Subreaper.Exited> e;
        while ((e = reaper.awaitExit()).isPresent()) {
            record(e.get());
        }
    }

    /**
     * On the JVM's signal thread: forwarded to the daemon through its pidfd. A second SIGTERM or SIGINT ends the
     * monitor at once, while the daemon stops or once it has (a second Ctrl-C forces, as in docker compose).
     */
    private void onSignal(Signal s) {
        boolean hup = s.number() == Signal.SIGHUP.number(); // a reload of the daemon's service files
        if (!hup && (draining || stopping)) {
            overseer.server.LifecycleLog.daemonWarning("monitor", s.name() + ": exiting; the exits of the tasks still running are not recorded");
            Runtime.getRuntime().halt(exitStatus);
        }
        stopping |= !hup;
        Child d = daemon;
        if (d != null && !draining) {
            d.signal(s);
        }
    }
}
