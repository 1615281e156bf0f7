package overseer.linux;

import overseer.core.internal.Executables;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.TaskSpec;
import overseer.core.User;
import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeTask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Host processes on Linux without the JDK's process machinery: posix_spawn through FFM, exit detection
 * with pidfd_open and one epoll thread for all processes, status by waitid(P_PIDFD), every signal to a
 * single process through pidfd_send_signal. Tasks with limits get cgroups (v2 where a controller lives
 * there, else v1), found once at start: see {@link CgroupLayout}.
 */
public final class NativeRuntime implements TaskRuntime {
    /**
     * @param cgroupRoot      the cgroup file system (normally /sys/fs/cgroup)
     * @param cgroupParent    the cgroup, in every hierarchy, under which tasks get {@code <namespace>/<id>}
     * @param cgroupEveryTask give every task a cgroup, not only those with limits: pids, kill and stats then
     *                        reach processes that left the process group, at the cost of a slower spawn
     * @param v2Tracking      on a hybrid host whose cgroup v2 tree holds none of the controllers, still use it
     *                        to track, freeze and kill (cgroup.kill is atomic even against a fork bomb); false
     *                        uses the v1 freezer instead and spares every spawn the gate (see docs/cgroups.md)
     * @param exitDir         where the daemon's monitor records the exits of processes that are no longer our
     *                        children (see {@link ExitFiles}): a task reattached after a restart takes its true
     *                        exit from there. Empty: such an exit is unknown
     * @param terminal        a foreground command's terminal (overseer run): a process that inherits stdin is
     *                        born as its foreground group, as a shell starts a job, while Overseer has the
     *                        terminal; it reads the terminal and gets the keys' signals (Ctrl-C, Ctrl-Z), and
     *                        the terminal comes back to Overseer's group when it ends
     */
    public record Options(Path cgroupRoot, String cgroupParent, boolean cgroupEveryTask, boolean v2Tracking,
                          boolean cloneIntoCgroup, Optional<Path> exitDir, Optional<ControllingTerminal> terminal) {
        public static final String DEFAULT_PARENT = "overseer";
        /** The system property that names another parent for the defaults: an embedding application's own. */
        public static final String PARENT_PROPERTY = "overseer.cgroup.parent";

        public Options {
            Objects.requireNonNull(cgroupRoot, "cgroupRoot");
            Objects.requireNonNull(cgroupParent, "cgroupParent");
            Objects.requireNonNull(exitDir, "exitDir");
            Objects.requireNonNull(terminal, "terminal");
        }

        public Options(Path cgroupRoot, String cgroupParent, boolean cgroupEveryTask, boolean v2Tracking,
                       Optional<Path> exitDir) {
            this(cgroupRoot, cgroupParent, cgroupEveryTask, v2Tracking, true, exitDir, Optional.empty());
        }

        /** Tasks under {@code overseer} (or {@code -Doverseer.cgroup.parent=NAME}), a cgroup only for a task with limits. */
        public static Options defaults() {
            String parent = System.getProperty(PARENT_PROPERTY, DEFAULT_PARENT);
            return new Options(CgroupLayout.DEFAULT_ROOT, parent.isBlank() ? DEFAULT_PARENT : parent, false, true, Optional.empty());
        }

        public Options withTerminal(ControllingTerminal t) {
            return new Options(cgroupRoot, cgroupParent, cgroupEveryTask, v2Tracking, cloneIntoCgroup, exitDir, Optional.of(t));
        }

        public Options withCgroupParent(String parent) {
            return new Options(cgroupRoot, parent, cgroupEveryTask, v2Tracking, cloneIntoCgroup, exitDir, terminal);
        }

        public Options withCgroupRoot(Path root) {
            return new Options(root, cgroupParent, cgroupEveryTask, v2Tracking, cloneIntoCgroup, exitDir, terminal);
        }

        public Options withCgroupEveryTask(boolean every) {
            return new Options(cgroupRoot, cgroupParent, every, v2Tracking, cloneIntoCgroup, exitDir, terminal);
        }

        public Options withV2Tracking(boolean track) {
            return new Options(cgroupRoot, cgroupParent, cgroupEveryTask, track, cloneIntoCgroup, exitDir, terminal);
        }

        /**
         * Whether a task's process whose only cgroup is a v2 one is cloned straight into it (clone3, where this
         * machine has it) rather than gated; false keeps the gate, as on a host without it (tests use this).
         */
        public Options withCloneIntoCgroup(boolean clone) {
            return new Options(cgroupRoot, cgroupParent, cgroupEveryTask, v2Tracking, clone, exitDir, terminal);
        }

        public Options withExitDir(Path dir) {
            return new Options(cgroupRoot, cgroupParent, cgroupEveryTask, v2Tracking, cloneIntoCgroup, Optional.of(dir), terminal);
        }
    }

    private static final Set<Path> SETPRIV = Set.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));

    private final Options options;
    private final CgroupLayout layout;
    private final Optional<CgroupTree> tree;
    private final EventLoop loop = new EventLoop("overseer-epoll");
    private final Spawner spawner;
    private final Host host;
    private final Recovery recovery;

    public NativeRuntime() {
        this(Options.defaults());
    }

    public NativeRuntime(Options options) {
        this(options, layout(options));
    }

    private static CgroupLayout layout(Options options) {
        CgroupLayout l = CgroupLayout.detect(options.cgroupRoot());
        boolean controllerless = l.v2().map(v -> Arrays.stream(CgroupLayout.Controller.values())
                .noneMatch(c -> l.version(c) == CgroupLayout.Version.V2 && c != CgroupLayout.Controller.FREEZER)).orElse(false);
        return !options.v2Tracking() && controllerless && !l.v1().isEmpty() ? l.withoutV2() : l;
    }

    /** With a given layout: tests use {@link CgroupLayout#withoutV2()} to run the v1 paths on a hybrid host. */
    NativeRuntime(Options options, CgroupLayout layout) {
        this.options = options;
        this.layout = layout;
        this.tree = layout.usable() ? Optional.of(new CgroupTree(layout, options.cgroupParent())) : Optional.empty();
        this.spawner = new Spawner(tree.map(CgroupTree::parking).orElse(List.of()));
        // The gate is tried (one spawn, once per JVM) only where processes are gated: a host with a v2 tree.
        Gate gate = tree.isPresent() && layout.v2().isPresent() ? Gate.best() : new Gate.Shell();
        this.host = new Host(loop, spawner, SETPRIV.stream().sorted().filter(Files::isExecutable).findFirst(), gate,
                options.cloneIntoCgroup(), options.exitDir(), options.terminal());
        this.recovery = new Recovery(host, tree, options.cgroupEveryTask());
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public Set<Feature> features() {
        EnumSet<Feature> f = EnumSet.of(Feature.SIGNALS, Feature.PAUSE, Feature.PIDS, Feature.EXIT_SIGNAL, Feature.STATS);
        if (tree.isPresent()) {
            f.add(Feature.RESOURCES);
            f.add(Feature.FREEZER);
        }
        if (host.setpriv().isPresent()) {
            f.add(Feature.USER);
        }
        return f;
    }

    /** The cgroup layout found at start. */
    public CgroupLayout cgroupLayout() {
        return layout;
    }

    public Options options() {
        return options;
    }

    @Override
    public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
        Path exe = Executables.resolve(spec.process());
        Executables.requireCwd(spec.process());
        Executables.requireRedirects(spec.process());
        if (spec.hasLimits()) {
            CgroupTree t = tree.orElseThrow(() -> OverseerException.unavailable("resources: cgroups cannot be used: %s",
                    layout.problem().orElse("unknown")));
            t.requireSupported(spec.startResources());
            spec.profiles().ifPresent(p -> {
                t.requireSupported(spec.resources().merge(p.throttled()));
                t.requireSupported(spec.resources().merge(p.unthrottled()));
            });
        }
        Optional<Credentials> user = spec.process().user().map(u -> credentials(host, u));
        return new NativeTask(host, namespace, spec, exe, user, output, tree, options.cgroupEveryTask());
    }

    /**
     * Takes back a host process a previous Overseer started, if it still runs with the recorded start time
     * (see {@link Recovery#reattach}).
     */
    @Override
    public Adopted reattach(String namespace, TaskSpec spec, ProcessOutput output, long recordedPid, long recordedStart) {
        return recovery.reattach(namespace, spec, output, recordedPid, recordedStart);
    }

    /**
     * A delete cut short leaves at most the task's cgroups (release removes them last): whatever still runs
     * in them is killed and they are removed. The daemon calls this before it takes back any task.
     */
    @Override
    public void purge(String namespace, TaskSpec spec) {
        tree.flatMap(t -> t.existing(namespace, spec.id())).ifPresent(TaskCgroup::remove);
    }

    /** Every task cgroup under the parent that still holds processes (see {@link Recovery#found}). */
    @Override
    public List<Found> found() {
        return recovery.found();
    }

    /** Resolves {@code user}, after checking that this process may switch to it at all. */
    static Credentials credentials(Host host, User user) {
        Credentials.requirePermitted(LibC.geteuid(), host.spawner().dropped());
        if (host.setpriv().isEmpty()) {
            throw OverseerException.failedPrecondition(
                    "user: running a process as another user needs setpriv(1) from util-linux, which is not installed");
        }
        return Credentials.resolve(user);
    }

    /**
     * 0-core's SetUnprivileged: one way, {@code capabilities} leave the bounding set of every process spawned
     * from now on (root in it can no longer gain them). Tasks already running keep theirs.
     * FAILED_PRECONDITION when Overseer cannot drop capabilities (not root).
     */
    public void setUnprivileged(Set<Capability> capabilities) {
        spawner.drop(capabilities);
    }

    /** {@link #setUnprivileged(Set)} with {@link Capability#UNPRIVILEGED}: all but what docker grants. */
    public void setUnprivileged() {
        setUnprivileged(Capability.UNPRIVILEGED);
    }

    /** The capabilities dropped so far. */
    public Set<Capability> droppedCapabilities() {
        return spawner.dropped();
    }

    /** How many descriptors the event loop watches (pidfds and pipes): a leak shows here first. */
    public int watched() {
        return loop.watched();
    }

    @Override
    public void close() {
        spawner.close();
        tree.ifPresent(t -> t.removeEmpty(spawner.threadIds()));
        loop.close();
    }
}
