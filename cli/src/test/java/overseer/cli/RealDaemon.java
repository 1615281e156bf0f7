package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * `overseer daemon` as an operator runs it, for tests: a monitor JVM and the daemon JVM under it, on a socket
 * and a state directory of the test's. {@link #close()} leaves nothing running, even after a failed test: the
 * daemon is stopped, its monitor told not to wait for the tasks, and one more daemon with --stop-tasks takes
 * back whatever is left and stops it.
 */
final class RealDaemon implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(90);

    private final Path dir;
    private final List<String> flags;
    /** Test cgroups live under a parent of their own, removed on close. */
    private final String cgroupParent = "overseer-test-daemon-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private final Tasks jvms = new Tasks(new NativeRuntime());
    private Task monitor;
    /** The umask the daemons start under, or null for this JVM's. */
    private String umask;
    /** The environment of the monitor (and so of its daemon): none but what a test sets. */
    private final java.util.Map<String, String> env = new java.util.HashMap<>();
    /** A command the monitor runs under ("prlimit", "--nofile=200:400", "--"), its daemon with it. */
    private List<String> wrapper = List.of();

    /** {@code flags} are given to every daemon this starts ("--runtime", "native", ...). */
    RealDaemon(Path dir, String... flags) {
        this.dir = dir;
        List<String> all = new ArrayList<>(List.of(flags));
        all.addAll(List.of("--cgroup-parent", cgroupParent));
        this.flags = List.copyOf(all);
    }

    /** Runs the monitor (and so the daemon it spawns) under {@code command}, e.g. prlimit(1). */
    RealDaemon under(String... command) {
        this.wrapper = List.of(command);
        return this;
    }

    /** Every daemon this starts runs under {@code mask} (as a careless operator's shell might set it). */
    RealDaemon umask(String mask) {
        this.umask = mask;
        return this;
    }

    /** The monitor (and its daemon) start with {@code name=value} in their environment. */
    RealDaemon env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** The cgroup parent of this daemon's tasks, in every hierarchy: {@code <hierarchy>/<parent>/<ns>/<id>}. */
    String cgroupParent() {
        return cgroupParent;
    }

    Path socket() {
        return dir.resolve("d.sock");
    }

    Path state() {
        return dir.resolve("st");
    }

    OverseerClient client() {
        return new OverseerClient(socket());
    }

    Task monitor() {
        return monitor;
    }

    /** The daemon JVM's pid, from the file it writes once it serves. */
    long pid() throws IOException {
        return Long.parseLong(Files.readString(state().resolve("daemon.pid")).strip());
    }

    /** Starts a monitor and its daemon; returns a client once the daemon answers. */
    OverseerClient start(String... more) {
        launch(more);
        OverseerClient c = client();
        await().atMost(WAIT).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
        return c;
    }

    /** Starts a monitor and its daemon, without waiting for it to answer. */
    void launch(String... more) {
        List<String> all = new ArrayList<>(flags);
        all.addAll(List.of(more));
        monitor = jvms.run(TaskSpec.of("monitor-" + System.nanoTime(), ProcessSpec.builder(command(all)).env(env).build()));
    }

    private List<String> command(List<String> more) {
        List<String> cmd = new ArrayList<>(wrapper);
        if (umask != null) {
            cmd.addAll(List.of("/bin/sh", "-c", "umask \"$0\" && exec \"$@\"", umask));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "daemon",
                "--socket", socket().toString(), "--state-dir", state().toString()));
        cmd.addAll(more);
        return cmd;
    }

    /** kill -9 of the daemon JVM, as an operator would; returns once the monitor's next daemon answers. */
    void crash() throws Exception {
        long pid = pid();
        if (new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor() != 0) {
            throw new IllegalStateException("kill -9 " + pid + " failed");
        }
        OverseerClient c = client();
        await().atMost(WAIT).ignoreExceptions().until(() -> pid() != pid && c.health().get("status").asString().equals("ok"));
    }

    /** SIGTERM to the monitor: the daemon stops; the monitor stays while tasks it adopted run. */
    void stopDaemon() throws Exception {
        long pid = pid();
        signal(monitor, Signal.SIGTERM);
        await().atMost(WAIT).until(() -> ProcessHandle.of(pid).isEmpty());
    }

    @Override
    public void close() throws Exception {
        try {
            if (monitor != null && monitor.exit().isEmpty()) {
                if (Files.exists(state().resolve("daemon.pid"))) {
                    stopDaemon();
                }
                signal(monitor, Signal.SIGTERM); // a second one: the monitor goes without waiting for the tasks
                monitor.await(WAIT);
            }
            if (monitor != null) {
                Task cleaner = jvms.run(TaskSpec.of("cleaner", ProcessSpec.builder(command(
                        concat(flags, "--stop-tasks"))).build()));
                OverseerClient c = client();
                await().atMost(WAIT).ignoreExceptions().until(() -> c.health().get("status").asString().equals("ok"));
                signal(cleaner, Signal.SIGTERM);
                cleaner.await(WAIT);
            }
        } finally {
            jvms.close();
            removeCgroupParent(cgroupParent);
        }
    }

    /**
     * The parent's directories in every hierarchy, deepest first, each emptied before its rmdir: what is left in
     * it (a test that failed half-way) is killed, by cgroup.kill where the kernel has it, else each pid of
     * cgroup.procs through a pidfd, until it holds none.
     */
    static void removeCgroupParent(String cgroupParent) throws IOException {
        try (java.util.stream.Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path parent = h.resolve(cgroupParent);
                if (!Files.isDirectory(parent)) {
                    continue;
                }
                List<Path> deepestFirst;
                try (java.util.stream.Stream<Path> dirs = Files.walk(parent)) {
                    deepestFirst = dirs.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList();
                }
                for (Path d : deepestFirst) {
                    await().atMost(WAIT).until(() -> killAll(d));
                    Files.deleteIfExists(d);
                }
            }
        }
    }

    /** Kills what {@code cgroup} holds; true once it holds nothing (or is gone). */
    private static boolean killAll(Path cgroup) throws IOException {
        Path procs = cgroup.resolve("cgroup.procs");
        List<String> pids;
        try {
            pids = Files.readAllLines(procs).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (java.nio.file.NoSuchFileException gone) {
            return true;
        }
        if (pids.isEmpty()) {
            return true;
        }
        Path kill = cgroup.resolve("cgroup.kill");
        if (Files.exists(kill)) {
            Files.writeString(kill, "1");
        } else {
            for (String pid : pids) {
                overseer.linux.Pidfd.signal(Long.parseLong(pid), overseer.core.Signal.of(9));
            }
        }
        return false;
    }

    /** A signal to a JVM that may have ended by itself meanwhile (a monitor with no tasks left goes). */
    private static void signal(Task jvm, Signal s) {
        try {
            jvm.kill(s, false);
        } catch (overseer.core.OverseerException ended) {
            // it is gone: what the signal was for
        }
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new ArrayList<>(a);
        out.add(b);
        return out;
    }
}
