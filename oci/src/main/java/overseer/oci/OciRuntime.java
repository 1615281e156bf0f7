package overseer.oci;

import overseer.core.Exit;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.TaskSpec;
import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeTask;
import overseer.linux.CgroupLayout;
import overseer.linux.DirectoryWatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Isolated tasks: each task is an OCI container (runc or crun) whose processes run under a monitor of their own
 * ({@link Monitor}: overseer-monitor, or conmon for a terminal, stdin or a restore), so that they outlive
 * Overseer and a later Overseer can {@link #reattach} them. See docs/isolation.md.
 *
 * <p>How a task is fenced off is an {@link Isolation}: the runtime's default, or one given for a task with
 * {@link #isolate} before it is created. Who it runs as is its ProcessSpec's user; its limits are its
 * TaskSpec's resources.
 */
public final class OciRuntime implements TaskRuntime {
    private static final Map<String, RuntimeProbe.Found> PROBED = new ConcurrentHashMap<>();
    private static final Map<Path, Launcher> LAUNCHERS = new ConcurrentHashMap<>();
    /** Tried once per JVM, as the launchers are: the memfd and whether the kernel runs it do not change. */
    private static final Optional<OverseerMonitor> OWN_MONITOR = OverseerMonitor.bundled();

    private final StateDir state;
    private final RuntimeBinary binary;
    /** Empty where conmon is not installed: then what only conmon can watch (a terminal, stdin, a restore) is refused. */
    private final Optional<Conmon> conmon;
    private final String conmonVersion;
    /** overseer-monitor, for the processes it can watch; empty: conmon watches every one. */
    private final Optional<OverseerMonitor> monitor;
    private final List<String> notes;
    private final Isolation defaultIsolation;
    private final String cgroupParent;
    private final Map<String, Isolation> isolations = new ConcurrentHashMap<>();
    private final Map<String, Path> restores = new ConcurrentHashMap<>();
    private final Deletions deletions;
    private final Map<String, OciTask> live = new ConcurrentHashMap<>();
    private final DirectoryWatch watcher;
    private volatile Optional<Optional<String>> checkpointProblem = Optional.empty();

    private OciRuntime(Builder b) {
        if (!isRoot()) {
            throw OverseerException.unavailable("isolated tasks need root: rootless containers are not supported");
        }
        this.state = new StateDir(b.stateDir);
        this.conmon = (b.conmon != null ? b.conmon : RuntimeProbe.which("conmon")).map(Conmon::new);
        this.monitor = b.conmonAlways ? Optional.empty() : OWN_MONITOR;
        if (conmon.isEmpty() && monitor.isEmpty()) {
            throw OverseerException.unavailable(b.conmonAlways ? "conmon is not installed (apt-get install conmon)"
                    : "conmon is not installed (apt-get install conmon), and this build has no overseer-monitor");
        }
        Path unshare = b.unshare != null ? b.unshare : RuntimeProbe.which("unshare")
                .orElseThrow(() -> OverseerException.unavailable("unshare (util-linux) is not installed"));
        if (!b.cgroupParent.startsWith("/")) {
            throw OverseerException.invalidArgument("cgroupParent: must be an absolute cgroup path, got \"%s\"", b.cgroupParent);
        }
        this.cgroupParent = b.cgroupParent;
        Launcher launcher = LAUNCHERS.computeIfAbsent(unshare, Launcher::best);
        RuntimeProbe.Found found = PROBED.computeIfAbsent(b.runtime + " " + launcher + " " + cgroupParent,
                k -> RuntimeProbe.choose(b.runtime, state.root().resolve("probe"), launcher, cgroupParent));
        this.binary = found.binary();
        this.notes = found.notes();
        this.conmonVersion = conmon.map(c -> RuntimeProbe.version(c.path())).orElse("");
        this.defaultIsolation = b.isolation;
        this.deletions = new Deletions(b.deleteInBackground);
        this.watcher = new DirectoryWatch("overseer-oci-watch"); // last: its threads must not outlive a constructor that failed
    }

    /** Whether the effective uid (the second field of Uid: in /proc/self/status) is 0. */
    private static boolean isRoot() {
        return Files2.read(Path.of("/proc/self/status")).flatMap(s -> s.lines().filter(l -> l.startsWith("Uid:")).findFirst())
                .map(l -> l.split("\\s+")[2].equals("0")).orElse(false);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "oci";
    }

    /**
     * No EXIT_SIGNAL: conmon reports a death by signal n as the status 128+n, the same as an exit with that
     * status, so an exit names a signal only when Overseer sent it. No FREEZER: Lambda's cycle metrics are not
     * read from a container's cgroup yet.
     */
    @Override
    public Set<Feature> features() {
        Set<Feature> f = EnumSet.of(Feature.SIGNALS, Feature.PAUSE, Feature.PIDS, Feature.RESOURCES, Feature.STATS,
                Feature.USER, Feature.ISOLATION);
        if (checkpointProblem().isEmpty()) {
            f.add(Feature.CHECKPOINT);
        }
        return f;
    }

    /** How the next task created with this id is isolated, instead of the runtime's default. */
    public void isolate(String namespace, String id, Isolation isolation) {
        isolations.put(key(namespace, id), isolation);
    }

    /** The next task created with this id starts from the checkpoint in {@code image} instead of running afresh. */
    public void restoreOnStart(String namespace, String id, Path image) {
        requireCheckpoint();
        if (conmon.isEmpty()) {
            throw needsConmon("restore");
        }
        restores.put(key(namespace, id), image);
    }

    @Override
    public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
        refuseTerminal(spec.process());
        String key = key(namespace, spec.id());
        deletions.await(key);
        Isolation iso = spec.isolation().orElseGet(() -> isolations.getOrDefault(key, defaultIsolation));
        requireMonitorFor(iso.terminal(), spec.process().stdin() != Redirect.NULL);
        TaskPaths paths = state.task(namespace, spec.id());
        if (Files.exists(paths.dir()) && !Files.exists(paths.conmonPidFile()) && !Files.exists(paths.pidFile())) {
            // A task created and never started (the daemon that made it died): no container, only its bundle,
            // which is made again from the spec.
            Files2.deleteTree(paths.dir());
        }
        if (Files.exists(paths.dir())) {
            throw OverseerException.alreadyExists("task already exists: %s/%s (its files are still in %s: reattach or delete it)",
                    namespace, spec.id(), paths.dir());
        }
        try {
            TaskFiles.Prepared files = TaskFiles.prepare(paths, iso, spec.process());
            OciTask task = new OciTask(this, paths, namespace, spec.id(), spec.process(), output, iso, files.view(),
                    files.ids(), files.program(), spec.startResources(), cgroupParent + "/" + namespace + "/" + spec.id());
            Path image = restores.remove(key);
            if (image != null) {
                task.restoreFrom(image);
            }
            live.put(key, task);
            return task;
        } catch (IOException | RuntimeException e) {
            Files2.deleteTree(paths.dir());
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw OverseerException.internal("cannot prepare the bundle of " + spec.id(), e);
        }
    }

    /** A task that a previous Overseer process created here, with its pid and (when it comes) its exit. */
    public record Reattached(OciTask task, long pid, CompletableFuture<Exit> exit) {
    }

    /**
     * Picks up a task a previous Overseer left running (or stopped) in this state directory, the way the daemon
     * does after a restart (Nomad's Open): {@code spec} is the one it was created with, {@code output} receives
     * its whole log from the beginning. NOT_FOUND if there is no such task here.
     */
    public Reattached reattach(String namespace, TaskSpec spec, ProcessOutput output) {
        TaskPaths paths = state.task(namespace, spec.id());
        if (!Files.isDirectory(paths.dir())) {
            throw OverseerException.notFound("task does not exist: %s/%s (no files in %s)", namespace, spec.id(), paths.dir());
        }
        Isolation iso = spec.isolation().orElseGet(() -> isolations.getOrDefault(key(namespace, spec.id()), defaultIsolation));
        try {
            RootfsView view = Bundle.prepareRoot(paths, iso);
            OciTask task = new OciTask(this, paths, namespace, spec.id(), spec.process(), output, iso, view,
                    UserIds.of(view, spec.process()), spec.process().args().getFirst(), spec.startResources(),
                    cgroupParent + "/" + namespace + "/" + spec.id());
            long pid = StateDir.awaitPid(paths);
            CompletableFuture<Exit> exit = new CompletableFuture<>();
            if (pid != 0) {
                task.adopt(pid, exit::complete);
            } else {
                // A start the crash cut before the container ran: there is no process, and no exit to wait for.
                exit.complete(Exit.unknown(java.time.Instant.now()));
            }
            live.put(key(namespace, spec.id()), task);
            return new Reattached(task, pid, exit);
        } catch (IOException e) {
            throw OverseerException.internal("cannot reattach " + spec.id(), e);
        }
    }

    /**
     * ProcessSpec.terminal (a terminal Overseer reads through a pipe-like master) is the native runtime's; an
     * isolated task gets its terminal from conmon instead ({@link Isolation#terminal()}).
     */
    static void refuseTerminal(overseer.core.ProcessSpec spec) {
        if (spec.terminal()) {
            throw OverseerException.unavailable(
                    "terminal: a process terminal is not supported by the oci runtime; give the task Isolation.terminal");
        }
    }

    /** The SPI's reattach: conmon's exit file, not the pid, says whether and how the task ended. */
    @Override
    public Adopted reattach(String namespace, TaskSpec spec, ProcessOutput output, long pid, long startTime) {
        Reattached r = reattach(namespace, spec, output);
        return new Adopted(r.task(), r.pid(), r.exit().thenApply(java.util.Optional::of));
    }

    /**
     * The runtime's side of a task this runtime created or reattached, for what the Task API does not offer
     * (yet): ResizePty, checkpoint, the runtime's own state. NOT_FOUND once it was deleted.
     */
    public OciTask task(String namespace, String id) {
        OciTask t = live.get(key(namespace, id));
        if (t == null) {
            throw OverseerException.notFound("task does not exist: %s/%s", namespace, id);
        }
        return t;
    }

    /** The ids of the tasks whose files are in this state directory for {@code namespace}. */
    public List<String> stored(String namespace) {
        return state.stored(namespace);
    }

    /** What the runtime found on this host: the binary, why it was chosen, whether checkpoints work. */
    public OciInfo info() {
        Optional<String> problem = checkpointProblem();
        List<String> all = new ArrayList<>(notes);
        all.add(Math.min(1, all.size()), monitor.isEmpty() ? "every process runs under conmon"
                : conmon.isPresent() ? "processes without a terminal or stdin run under overseer-monitor, the others under conmon"
                : "every process runs under overseer-monitor; a terminal, stdin or a restore is refused (no conmon)");
        return new OciInfo(binary.name(), binary.path(), binary.version(), conmon.map(Conmon::path), conmonVersion,
                CgroupLayout.detect().mode(), all,
                problem.isEmpty(), problem.orElse(""));
    }

    /** UNAVAILABLE "checkpoint is unsupported: REASON" unless criu works here. */
    void requireCheckpoint() {
        checkpointProblem().ifPresent(reason -> {
            throw OverseerException.unavailable("checkpoint is unsupported: %s", reason);
        });
    }

    private Optional<String> checkpointProblem() {
        Optional<Optional<String>> known = checkpointProblem;
        if (known.isEmpty()) {
            known = Optional.of(RuntimeProbe.checkpointProblem(binary));
            checkpointProblem = known;
        }
        return known.get();
    }

    /**
     * Kills and deletes every container in this state directory, whoever started it, and removes the files:
     * for tests and for a deliberate reset, never on a normal close (tasks are meant to outlive Overseer).
     */
    public void destroyAll() {
        deletions.awaitAll();
        for (Path root : state.runtimeRoots()) {
            Program.Result list = Program.run(binary.argv(root, "list", "-q"));
            for (String id : list.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
                Program.run(binary.argv(root, "delete", "--force", id));
            }
        }
        state.deleteAll();
        Cgroups.removeEmpty(cgroupParent);
    }

    /** Waits for background deletions, stops watching, and removes empty state and cgroup directories. */
    @Override
    public void close() {
        deletions.awaitAll();
        watcher.close();
        state.removeEmpty();
        Cgroups.removeEmpty(cgroupParent);
    }

    // --- for the tasks -----------------------------------------------------------------------------

    DirectoryWatch watcher() {
        return watcher;
    }

    /** Starts {@code p} under the monitor that can watch it; the pid of the process once it runs. */
    long startMonitored(TaskPaths paths, Monitor.Process p) {
        Monitor m = monitor.filter(o -> o.handles(p)).<Monitor>map(o -> o).or(() -> conmon)
                .orElseThrow(() -> needsConmon(p.terminal() ? "isolation.terminal" : p.stdin() ? "process.stdin" : "restore"));
        return Monitor.start(m, binary, paths, p);
    }

    /**
     * UNAVAILABLE, naming the part of the spec that asks for it, for a process only conmon can watch (a terminal,
     * stdin) where conmon is not installed. Checked at create and exec, so that nothing is made that cannot start.
     */
    void requireMonitorFor(boolean terminal, boolean stdin) {
        if (conmon.isEmpty() && (terminal || stdin)) {
            throw needsConmon(terminal ? "isolation.terminal" : "process.stdin");
        }
    }

    private static OverseerException needsConmon(String what) {
        return OverseerException.unavailable("%s: needs conmon, which is not installed (apt-get install conmon)", what);
    }

    RuntimeBinary binary() {
        return binary;
    }

    Program.Result run(TaskPaths paths, String... args) {
        return Program.run(binary.argv(paths.runtimeRoot(), args));
    }

    /**
     * Removes a released task: the runtime's state and cgroup, then its files. A container whose processes are
     * all gone is removed here ({@link StoppedContainer}); any other takes one more run of the runtime (delete
     * --force). With deleteInBackground this happens on a virtual thread, and a new task with the same id waits
     * for it.
     */
    void delete(OciTask task, TaskPaths paths, boolean started) {
        String key = key(task.namespace(), task.id());
        isolations.remove(key);
        live.remove(key, task);
        Runnable work = () -> {
            if (started && !StoppedContainer.remove(paths, task.cgroupsPath())) {
                Program.Result r = run(paths, "delete", "--force", task.id());
                if (!r.ok() && !RuntimeBinary.isMissing(r)) {
                    System.getLogger(OciRuntime.class.getName()).log(System.Logger.Level.WARNING,
                            "deleting " + key + ": " + r.error());
                }
            }
            Files2.deleteTree(paths.dir());
        };
        deletions.run(key, started, work);
    }

    @Override
    public CompletableFuture<Void> released(String namespace, String id) {
        return deletions.done(key(namespace, id));
    }

    /**
     * What a delete cut short left of a task: the runtime's state and the container (delete --force kills
     * what still runs in it, and conmon goes with it), its cgroup, its files. A task of the name live here
     * is never touched.
     */
    @Override
    public void purge(String namespace, TaskSpec spec) {
        String key = key(namespace, spec.id());
        deletions.await(key);
        if (live.containsKey(key)) {
            return;
        }
        TaskPaths paths = state.task(namespace, spec.id());
        if (Files.isDirectory(paths.runtimeRoot().resolve(paths.containerId()))) {
            Program.Result r = run(paths, "delete", "--force", paths.containerId());
            if (!r.ok() && !RuntimeBinary.isMissing(r)) {
                throw OverseerException.unavailable("purge of %s: %s delete failed: %s", key, binary.name(), r.error());
            }
        }
        Files2.deleteTree(paths.dir());
        Cgroups.removeEmpty(cgroupParent + "/" + namespace + "/" + spec.id());
    }

    /**
     * Every task whose files are in this state directory and that this runtime has not taken back (see
     * {@link StateDir#found}), isolated by the default isolation.
     */
    @Override
    public List<Found> found() {
        return state.found((namespace, id) -> live.containsKey(key(namespace, id)) || deletions.underWay(key(namespace, id)),
                defaultIsolation);
    }

    private static String key(String namespace, String id) {
        return namespace + "/" + id;
    }

    /** How an OciRuntime is set up. */
    public static final class Builder {
        private Path stateDir = Path.of("/run/overseer/oci");
        private String runtime = "auto";
        private Isolation isolation = Isolation.DEFAULT;
        private String cgroupParent = "/overseer";
        private Optional<Path> conmon;
        private Path unshare;
        private boolean deleteInBackground = true;
        private boolean conmonAlways;

        private Builder() {
        }

        /** Where bundles, logs, exit files and the runtime's own state live (default /run/overseer/oci). */
        public Builder stateDir(Path dir) {
            this.stateDir = dir;
            return this;
        }

        /** "auto" (crun where it runs, else runc), "runc" or "crun". */
        public Builder runtime(String name) {
            this.runtime = name;
            return this;
        }

        /** The isolation of tasks not given one through {@link OciRuntime#isolate}. */
        public Builder isolation(Isolation iso) {
            this.isolation = iso;
            return this;
        }

        /** The cgroup under which tasks get "NS/ID" (default "/overseer"), from each hierarchy's root. */
        public Builder cgroupParent(String parent) {
            this.cgroupParent = parent;
            return this;
        }

        /**
         * Where conmon is (default: found on the PATH); empty for none, where overseer-monitor then watches every
         * process and a terminal, stdin or a restore is refused.
         */
        public Builder conmon(Optional<Path> path) {
            this.conmon = path;
            return this;
        }

        /** util-linux's unshare, for a build without overseer-unshare (default: found on the PATH). */
        public Builder unshare(Path path) {
            this.unshare = path;
            return this;
        }

        /** Whether a stopped task's container is deleted on a virtual thread after Task.delete returns (default true). */
        public Builder deleteInBackground(boolean v) {
            this.deleteInBackground = v;
            return this;
        }

        /**
         * Whether every process runs under conmon, as before overseer-monitor (default false: conmon only for a
         * terminal, stdin or a restore, or where this build has no overseer-monitor).
         */
        public Builder conmonAlways(boolean v) {
            this.conmonAlways = v;
            return this;
        }

        public OciRuntime build() {
            return new OciRuntime(this);
        }
    }
}
