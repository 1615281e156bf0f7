package overseer.oci;

import overseer.core.Exit;
import overseer.core.Identifiers;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.core.User;
import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeTask;
import overseer.linux.CgroupLayout;
import overseer.linux.ProcessStart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * Isolated tasks: each task is an OCI container (runc or crun) whose processes run under conmon, so that they
 * outlive Overseer and a later Overseer can {@link #reattach} them. See docs/isolation.md.
 *
 * <p>How a task is fenced off is an {@link Isolation}: the runtime's default, or one given for a task with
 * {@link #isolate} before it is created. Who it runs as is its ProcessSpec's user; its limits are its
 * TaskSpec's resources.
 */
public final class OciRuntime implements TaskRuntime {
    private static final Map<String, RuntimeProbe.Found> PROBED = new ConcurrentHashMap<>();

    private final Path state;
    private final RuntimeBinary binary;
    private final Path conmon;
    private final String conmonVersion;
    private final List<String> notes;
    private final Isolation defaultIsolation;
    private final String cgroupParent;
    private final boolean deleteInBackground;
    private final Map<String, Isolation> isolations = new ConcurrentHashMap<>();
    private final Map<String, Path> restores = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> deleting = new ConcurrentHashMap<>();
    private final Map<String, OciTask> live = new ConcurrentHashMap<>();
    private final Watcher watcher;
    private volatile Optional<Optional<String>> checkpointProblem = Optional.empty();

    private OciRuntime(Builder b) {
        if (!isRoot()) {
            throw OverseerException.unavailable("isolated tasks need root: rootless containers are not supported");
        }
        this.state = b.stateDir.toAbsolutePath();
        this.conmon = b.conmon != null ? b.conmon : RuntimeProbe.which("conmon")
                .orElseThrow(() -> OverseerException.unavailable("conmon is not installed (apt-get install conmon)"));
        Path unshare = b.unshare != null ? b.unshare : RuntimeProbe.which("unshare")
                .orElseThrow(() -> OverseerException.unavailable("unshare (util-linux) is not installed"));
        if (!b.cgroupParent.startsWith("/")) {
            throw OverseerException.invalidArgument("cgroupParent: must be an absolute cgroup path, got \"%s\"", b.cgroupParent);
        }
        this.cgroupParent = b.cgroupParent;
        RuntimeProbe.Found found = PROBED.computeIfAbsent(b.runtime + " " + unshare + " " + cgroupParent,
                k -> RuntimeProbe.choose(b.runtime, state.resolve("probe"), unshare, cgroupParent));
        this.binary = found.binary();
        this.notes = found.notes();
        this.conmonVersion = RuntimeProbe.version(conmon);
        this.defaultIsolation = b.isolation;
        this.deleteInBackground = b.deleteInBackground;
        // conmon's attach socket is reached through STATE/sockets/CUUID/attach; a socket path has 107 bytes at most.
        int socketPath = state.resolve("sockets").toString().length() + 1 + 16 + "/attach".length();
        if (socketPath > 100) {
            throw OverseerException.invalidArgument("stateDir: \"%s\" is too long for the tasks' sockets (at most 60 characters)", state);
        }
        this.watcher = new Watcher(); // last: its threads must not outlive a constructor that failed
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
        restores.put(key(namespace, id), image);
    }

    @Override
    public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
        refuseTerminal(spec.process());
        String key = key(namespace, spec.id());
        awaitDeletion(key);
        Isolation iso = spec.isolation().orElseGet(() -> isolations.getOrDefault(key, defaultIsolation));
        TaskPaths paths = TaskPaths.init(state, namespace, spec.id());
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
            Bundle.privateDir(paths.dir());
            Files.createDirectories(paths.exits());
            Files.createDirectories(paths.persist());
            Files.createDirectories(paths.runtimeRoot());
            Files.createDirectories(paths.socketDir());
            RootfsView view = Bundle.prepareRoot(paths, iso);
            String program = view.resolveProgram(spec.process()).toString();
            view.requireCwd(spec.process());
            RootfsView.requireRedirects(spec.process());
            view.requireShellForMerge(spec.process());
            Bundle.Ids ids = ids(view, spec.process());
            if (ids.uid() != 0 && iso.rootfs().isEmpty()) {
                List<String> owned = new java.util.ArrayList<>(Bundle.TASK_DIRS);
                Bundle.ALLOC_DIRS.forEach(d -> owned.add("alloc/" + d));
                for (String d : owned) {
                    Path dir = paths.rootfs().resolve(d);
                    Files.setAttribute(dir, "unix:uid", ids.uid());
                    Files.setAttribute(dir, "unix:gid", ids.gid());
                }
            }
            OciTask task = new OciTask(this, paths, namespace, spec.id(), spec.process(), output, iso, view, ids, program,
                    spec.startResources(), cgroupParent + "/" + namespace + "/" + spec.id());
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
        TaskPaths paths = TaskPaths.init(state, namespace, spec.id());
        if (!Files.isDirectory(paths.dir())) {
            throw OverseerException.notFound("task does not exist: %s/%s (no files in %s)", namespace, spec.id(), paths.dir());
        }
        Isolation iso = spec.isolation().orElseGet(() -> isolations.getOrDefault(key(namespace, spec.id()), defaultIsolation));
        try {
            RootfsView view = Bundle.prepareRoot(paths, iso);
            OciTask task = new OciTask(this, paths, namespace, spec.id(), spec.process(), output, iso, view,
                    ids(view, spec.process()), spec.process().args().getFirst(), spec.startResources(),
                    cgroupParent + "/" + namespace + "/" + spec.id());
            long pid = awaitPid(paths);
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

    /**
     * The container's pid from conmon's pid file. A conmon caught starting by the crash writes it soon: it is
     * given a few seconds while it lives; 0 when there is none.
     */
    private static long awaitPid(TaskPaths paths) throws IOException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (true) {
            long pid = Files2.read(paths.pidFile()).map(Long::parseLong).orElse(0L);
            long conmon = Files2.read(paths.conmonPidFile()).map(Long::parseLong).orElse(0L);
            boolean starting = conmon > 0 && ProcessHandle.of(conmon).isPresent();
            if (pid != 0 || !starting || System.nanoTime() > deadline || Files.exists(paths.exitFile())) {
                return pid;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20));
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
        try (Stream<Path> s = Files.list(state.resolve("tasks").resolve(Identifiers.require("namespace", namespace)))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** What the runtime found on this host: the binary, why it was chosen, whether checkpoints work. */
    public OciInfo info() {
        Optional<String> problem = checkpointProblem();
        return new OciInfo(binary.name(), binary.path(), binary.version(), conmon, conmonVersion, CgroupLayout.detect().mode(), notes,
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
        awaitDeletions();
        try (Stream<Path> roots = Files.exists(state.resolve("runtime")) ? Files.list(state.resolve("runtime")) : Stream.empty()) {
            for (Path root : roots.toList()) {
                Program.Result list = Program.run(binary.argv(root, "list", "-q"));
                for (String id : list.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
                    Program.run(binary.argv(root, "delete", "--force", id));
                }
            }
        } catch (IOException e) {
            // nothing listed, nothing to kill
        }
        Files2.deleteTree(state.resolve("tasks"));
        Files2.deleteTree(state.resolve("runtime"));
        Files2.deleteTree(state.resolve("sockets"));
        Cgroups.removeEmpty(cgroupParent);
    }

    /** Waits for background deletions, stops watching, and removes empty state and cgroup directories. */
    @Override
    public void close() {
        awaitDeletions();
        watcher.close();
        for (String sub : List.of("tasks", "runtime", "sockets")) {
            removeEmptyDirs(state.resolve(sub));
        }
        removeEmptyDirs(state);
        Cgroups.removeEmpty(cgroupParent);
    }

    private static void removeEmptyDirs(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p) && !Files.isSymbolicLink(p)) {
                    try (Stream<Path> inner = Files.list(p)) {
                        if (inner.findAny().isEmpty()) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
            try (Stream<Path> again = Files.list(dir)) {
                if (again.findAny().isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            }
        } catch (IOException e) {
            // kept: something else uses it
        }
    }

    // --- for the tasks -----------------------------------------------------------------------------

    Watcher watcher() {
        return watcher;
    }

    Path conmon() {
        return conmon;
    }

    RuntimeBinary binary() {
        return binary;
    }

    Program.Result run(TaskPaths paths, String... args) {
        return Program.run(binary.argv(paths.runtimeRoot(), args));
    }

    /**
     * Removes a released task: the runtime's state and cgroup (runtime delete), then its files. A stopped
     * container's deletion is one more run of the runtime; with deleteInBackground it happens on a virtual
     * thread, and a new task with the same id waits for it.
     */
    void delete(OciTask task, TaskPaths paths, boolean started) {
        String key = key(task.namespace(), task.id());
        isolations.remove(key);
        live.remove(key, task);
        Runnable work = () -> {
            if (started) {
                Program.Result r = run(paths, "delete", "--force", task.id());
                if (!r.ok() && !RuntimeBinary.isMissing(r)) {
                    System.getLogger(OciRuntime.class.getName()).log(System.Logger.Level.WARNING,
                            "deleting " + key + ": " + r.error());
                }
            }
            Files2.deleteTree(paths.dir());
        };
        if (!deleteInBackground || !started) {
            work.run();
            return;
        }
        CompletableFuture<Void> f = CompletableFuture.runAsync(work, VIRTUAL);
        deleting.put(key, f);
        f.whenComplete((v, e) -> deleting.remove(key, f));
    }

    private static final java.util.concurrent.Executor VIRTUAL = Executors.newVirtualThreadPerTaskExecutor();

    private void awaitDeletion(String key) {
        CompletableFuture<Void> f = deleting.get(key);
        if (f != null) {
            f.join();
        }
    }

    private void awaitDeletions() {
        deleting.values().forEach(CompletableFuture::join);
    }

    @Override
    public CompletableFuture<Void> released(String namespace, String id) {
        CompletableFuture<Void> f = deleting.get(key(namespace, id));
        return f == null ? CompletableFuture.completedFuture(null) : f.copy();
    }

    /**
     * What a delete cut short left of a task: the runtime's state and the container (delete --force kills
     * what still runs in it, and conmon goes with it), its cgroup, its files. A task of the name live here
     * is never touched.
     */
    @Override
    public void purge(String namespace, TaskSpec spec) {
        String key = key(namespace, spec.id());
        awaitDeletion(key);
        if (live.containsKey(key)) {
            return;
        }
        TaskPaths paths = TaskPaths.init(state, namespace, spec.id());
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
     * Every task whose files are in this state directory and that this runtime has not taken back: its pid
     * while its container runs (0 once it ended, or before it ran), and its process as its bundle's
     * config.json gives it, isolated by the default isolation.
     */
    @Override
    public List<Found> found() {
        List<Found> out = new java.util.ArrayList<>();
        Path tasks = state.resolve("tasks");
        if (!Files.isDirectory(tasks)) {
            return out;
        }
        try (Stream<Path> namespaces = Files.list(tasks)) {
            for (Path ns : namespaces.filter(Files::isDirectory).toList()) {
                for (String id : stored(ns.getFileName().toString())) {
                    String namespace = ns.getFileName().toString();
                    if (!live.containsKey(key(namespace, id)) && !deleting.containsKey(key(namespace, id))) {
                        found(namespace, id).ifPresent(out::add);
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a namespace removed while listing: what is left was listed
        }
        return out;
    }

    private Optional<Found> found(String namespace, String id) {
        TaskPaths paths = TaskPaths.init(state, namespace, id);
        ProcessSpec process;
        try {
            tools.jackson.databind.JsonNode p = tools.jackson.databind.json.JsonMapper.builder().build()
                    .readTree(paths.config().toFile()).path("process");
            List<String> args = new java.util.ArrayList<>();
            p.path("args").forEach(a -> args.add(a.asString()));
            Map<String, String> env = new java.util.LinkedHashMap<>();
            p.path("env").forEach(kv -> {
                String[] f = kv.asString().split("=", 2);
                env.put(f[0], f.length > 1 ? f[1] : "");
            });
            process = ProcessSpec.builder(args.isEmpty() ? List.of("/bin/true") : args).env(env)
                    .cwd(Path.of(p.path("cwd").asString("/"))).build();
        } catch (RuntimeException e) {
            // no bundle yet (a create cut short) or a broken one: still a task's files
            process = ProcessSpec.of("/bin/true");
        }
        long pid = Files.exists(paths.exitFile()) ? 0 : Files2.read(paths.pidFile()).map(Long::parseLong).orElse(0L);
        long startTime = 0;
        if (pid > 0) {
            startTime = ProcessStart.of(pid);
            if (startTime == 0) {
                pid = 0; // ended while no conmon wrote its exit (or the pid file is stale)
            }
        }
        return Optional.of(new Found(namespace, id, pid, startTime,
                TaskSpec.of(id, process).withIsolation(defaultIsolation), paths.dir().toString()));
    }

    /** Numeric ids for the spec's user, names looked up in the task's own /etc/passwd and /etc/group. */
    Bundle.Ids ids(RootfsView view, ProcessSpec spec) {
        if (spec.user().isEmpty()) {
            return Bundle.Ids.ROOT;
        }
        User u = spec.user().get();
        int uid;
        int gid;
        if (User.numeric(u.user())) {
            uid = Integer.parseInt(u.user());
            gid = passwd(view).stream().filter(f -> f[2].equals(u.user())).findFirst().map(f -> Integer.parseInt(f[3])).orElse(uid);
        } else {
            String[] f = passwd(view).stream().filter(x -> x[0].equals(u.user())).findFirst().orElseThrow(() ->
                    OverseerException.invalidArgument("user: no user \"%s\" in the task's /etc/passwd", u.user()));
            uid = Integer.parseInt(f[2]);
            gid = Integer.parseInt(f[3]);
        }
        if (u.group().isPresent()) {
            String g = u.group().get();
            gid = User.numeric(g) ? Integer.parseInt(g) : view.lines(Path.of("/etc/group")).orElse(List.of()).stream()
                    .map(l -> l.split(":")).filter(x -> x.length > 2 && x[0].equals(g)).findFirst()
                    .map(x -> Integer.parseInt(x[2])).orElseThrow(() ->
                            OverseerException.invalidArgument("user: no group \"%s\" in the task's /etc/group", g));
        }
        return new Bundle.Ids(uid, gid);
    }

    private static List<String[]> passwd(RootfsView view) {
        return view.lines(Path.of("/etc/passwd")).orElse(List.of()).stream().map(l -> l.split(":"))
                .filter(f -> f.length > 3).toList();
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
        private Path conmon;
        private Path unshare;
        private boolean deleteInBackground = true;

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

        public Builder conmon(Path path) {
            this.conmon = path;
            return this;
        }

        public Builder unshare(Path path) {
            this.unshare = path;
            return this;
        }

        /** Whether a stopped task's container is deleted on a virtual thread after Task.delete returns (default true). */
        public Builder deleteInBackground(boolean v) {
            this.deleteInBackground = v;
            return this;
        }

        public OciRuntime build() {
            return new OciRuntime(this);
        }
    }
}
