package overseer.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Where each cgroup controller lives on this host, found once when the native runtime starts by reading the
 * cgroup file system under {@code root}:
 * <ul>
 *   <li>{@code root} itself holding {@code cgroup.controllers} is a pure cgroup v2 host;</li>
 *   <li>otherwise each directory under it holding {@code cgroup.controllers} is the v2 mount (hybrid hosts
 *       call it {@code unified}), and each holding {@code tasks} is a v1 hierarchy whose name lists its
 *       controllers ({@code cpu}, {@code memory}, {@code cpu,cpuacct}).</li>
 * </ul>
 * A controller is used through v2 where v2 enables it for child cgroups ({@code cgroup.subtree_control} of
 * the v2 root), else through v1. The v2 tree, even without any controller, is used to track, freeze and
 * kill a task's processes when it offers {@code cgroup.freeze} / {@code cgroup.kill}.
 *
 * @param root     the cgroup file system root (normally /sys/fs/cgroup)
 * @param v1       the v1 hierarchy of each controller mounted there
 * @param v2       the v2 hierarchy, if there is one
 * @param writable whether this process may create cgroups in every hierarchy found (root, or delegated)
 */
public record CgroupLayout(Path root, Map<Controller, Path> v1, Optional<V2> v2, boolean writable) {
    public static final Path DEFAULT_ROOT = Path.of("/sys/fs/cgroup");

    public CgroupLayout {
        v1 = Map.copyOf(v1);
    }

    /** The controllers Overseer uses, named as v1 names them and as v2 names them. */
    public enum Controller {
        CPU("cpu", "cpu"), CPUACCT("cpuacct", "cpu"), MEMORY("memory", "memory"), PIDS("pids", "pids"),
        IO("blkio", "io"), FREEZER("freezer", null);

        final String v1Name;
        final String v2Name;

        Controller(String v1Name, String v2Name) {
            this.v1Name = v1Name;
            this.v2Name = v2Name;
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Controller> byV1Name(String name) {
            return Arrays.stream(values()).filter(c -> c.v1Name.equals(name)).findFirst();
        }
    }

    public enum Version { V1, V2, NONE }

    /**
     * A cgroup v2 hierarchy.
     *
     * @param mount       its root directory
     * @param controllers what its root offers (cgroup.controllers)
     * @param enabled     what its root enables for child cgroups (cgroup.subtree_control): what Overseer uses
     * @param kill        child cgroups have cgroup.kill (Linux 5.14)
     * @param freeze      child cgroups have cgroup.freeze (Linux 5.2)
     * @param events      child cgroups have cgroup.events
     */
    public record V2(Path mount, Set<String> controllers, Set<String> enabled, boolean kill, boolean freeze,
                     boolean events) {
        public V2 {
            controllers = Set.copyOf(controllers);
            enabled = Set.copyOf(enabled);
        }
    }

    /** Through which version {@code c} is used: v2 where v2 enables it, else v1 where mounted, else none. */
    public Version version(Controller c) {
        if (c == Controller.FREEZER) {
            if (v2.isPresent() && v2.get().freeze()) {
                return Version.V2;
            }
        } else if (v2.isPresent() && v2.get().enabled().contains(c.v2Name)) {
            return Version.V2;
        }
        return v1.containsKey(c) ? Version.V1 : Version.NONE;
    }

    /** Whether tasks get a v2 cgroup: for a controller enabled there, or for cgroup.kill / cgroup.freeze. */
    public boolean usesV2() {
        return v2.map(v -> v.kill() || v.freeze()
                || Arrays.stream(Controller.values()).anyMatch(c -> version(c) == Version.V2)).orElse(false);
    }

    /** The v1 hierarchies a task gets a cgroup in: one per controller used through v1, without repeats. */
    public List<Path> v1Hierarchies() {
        Set<Path> out = new LinkedHashSet<>();
        for (Controller c : Controller.values()) {
            if (version(c) == Version.V1) {
                out.add(v1.get(c));
            }
        }
        return List.copyOf(out);
    }

    /**
     * How the host mounts cgroups, in the words the OCI runtimes use: "v2" (one unified tree), "hybrid" (v1
     * controllers beside a v2 tree), "v1", or "none".
     */
    public String mode() {
        if (v2.isPresent()) {
            return v1.isEmpty() ? "v2" : "hybrid";
        }
        return v1.isEmpty() ? "none" : "v1";
    }

    /** Whether tasks can be given cgroups at all here; if not, {@link #problem()} says why. */
    public boolean usable() {
        return problem().isEmpty();
    }

    public Optional<String> problem() {
        if (v1.isEmpty() && v2.isEmpty()) {
            return Optional.of("no cgroup hierarchy found under " + root);
        }
        if (!writable) {
            return Optional.of("cgroups under " + root + " are not writable by uid " + LibC.geteuid()
                    + " (run Overseer as root, or delegate a cgroup to it)");
        }
        return Optional.empty();
    }

    /** This layout without its v2 hierarchy: v1 controllers, tracking and freezing through v1 only. */
    public CgroupLayout withoutV2() {
        return new CgroupLayout(root, v1, Optional.empty(), writable);
    }

    /**
     * This layout cut down to one hierarchy, which is all a task without limits needs to have every process
     * of its own found, frozen and killed: the v2 tree where tasks get one there, else the v1 freezer, else
     * the pids hierarchy, else the first v1 one. One directory instead of one per controller: the mkdir,
     * the placement and the rmdir of every other hierarchy are spared on each spawn.
     */
    public CgroupLayout tracking() {
        if (usesV2()) {
            return new CgroupLayout(root, Map.of(), v2, writable);
        }
        return java.util.stream.Stream.of(Controller.FREEZER, Controller.PIDS).filter(v1::containsKey).findFirst()
                .or(() -> Arrays.stream(Controller.values()).filter(v1::containsKey).findFirst())
                .map(c -> new CgroupLayout(root, Map.of(c, v1.get(c)), Optional.empty(), writable))
                .orElse(this);
    }

    /**
     * How a process is placed in its cgroups before it runs, in words: cloned straight into its v2 cgroup
     * when that is its only one and libspawn is here ({@link CloneSpawn}); else through a gate wherever there
     * is a v2 cgroup (v2 takes only whole processes), which then places it in the v1 cgroups as well; else
     * from a spawning thread moved into the v1 cgroups first.
     */
    public String placement() {
        if (usesV2()) {
            String gate = "a gate (" + gateName() + " waits until Overseer wrote its pid to each cgroup.procs, then execs)";
            String clone = "cloned into its v2 cgroup (clone3 CLONE_INTO_CGROUP)";
            if (!LibC.cloneSpawnLoaded()) {
                return (v1Hierarchies().isEmpty() ? "v2: " : "v1 and v2: ") + gate;
            }
            return v1Hierarchies().isEmpty() ? "v2: " + clone
                    : "v1 and v2: " + clone + " when that is its only one (no limits), else " + gate;
        }
        return v1Hierarchies().isEmpty() ? "none" : "v1: spawned from a thread moved into the task's cgroups first";
    }

    private static String gateName() {
        return switch (Gate.best()) {
            case Gate.Program p -> "overseer-gate";
            case Gate.Shell sh -> "/bin/sh";
        };
    }

    /** What `overseer info` prints, as an ordered map (also its JSON shape). */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("root", root.toString());
        m.put("usable", usable());
        problem().ifPresent(p -> m.put("problem", p));
        Map<String, Object> controllers = new LinkedHashMap<>();
        for (Controller c : Controller.values()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            Version v = version(c);
            cm.put("version", v.name().toLowerCase(Locale.ROOT));
            if (c == Controller.IO) {
                cm.put("v1Name", "blkio");
            }
            switch (v) {
                case V1 -> cm.put("path", v1.get(c).toString());
                case V2 -> cm.put("path", v2.orElseThrow().mount().toString());
                case NONE -> {
                }
            }
            controllers.put(c.word(), cm);
        }
        m.put("controllers", controllers);
        v2.ifPresentOrElse(v -> {
            Map<String, Object> vm = new LinkedHashMap<>();
            vm.put("mount", v.mount().toString());
            vm.put("controllers", sorted(v.controllers()));
            vm.put("enabled", sorted(v.enabled()));
            vm.put("cgroup.kill", v.kill());
            vm.put("cgroup.freeze", v.freeze());
            vm.put("cgroup.events", v.events());
            vm.put("favordynmods", favordynmods(v.mount()));
            m.put("v2", vm);
        }, () -> m.put("v2", null));
        m.put("tracking", usesV2() ? "v2 cgroup.procs" : version(Controller.FREEZER) == Version.V1
                ? "v1 freezer cgroup.procs" : v1Hierarchies().isEmpty() ? "none" : "v1 cgroup.procs");
        m.put("kill", killWay());
        m.put("freeze", switch (version(Controller.FREEZER)) {
            case V2 -> "v2 cgroup.freeze";
            case V1 -> "v1 freezer.state";
            case NONE -> "SIGSTOP to every process";
        });
        m.put("placement", placement());
        return m;
    }

    private String killWay() {
        if (usesV2() && v2.orElseThrow().kill()) {
            return "v2 cgroup.kill";
        }
        return version(Controller.FREEZER) == Version.NONE ? "SIGKILL to every process until none is left"
                : "freeze, SIGKILL every process, thaw";
    }

    private static List<String> sorted(Set<String> s) {
        return s.stream().sorted().toList();
    }

    // --- detection ------------------------------------------------------------------------------------

    /** The layout under the default root, /sys/fs/cgroup. */
    public static CgroupLayout detect() {
        return detect(DEFAULT_ROOT);
    }

    public static CgroupLayout detect(Path root) {
        if (!Files.isDirectory(root)) {
            return new CgroupLayout(root, Map.of(), Optional.empty(), false);
        }
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return new CgroupLayout(root, Map.of(), Optional.of(v2(root)), Files.isWritable(root));
        }
        Map<Controller, Path> v1 = new EnumMap<>(Controller.class);
        Optional<V2> v2 = Optional.empty();
        boolean writable = true;
        for (Path d : children(root)) {
            if (Files.exists(d.resolve("cgroup.controllers"))) {
                if (v2.isEmpty()) {
                    v2 = Optional.of(v2(d));
                    writable &= Files.isWritable(d);
                }
            } else if (Files.exists(d.resolve("tasks"))) {
                Path real = realPath(d);
                boolean used = false;
                for (String name : real.getFileName().toString().split(",")) {
                    Optional<Controller> c = Controller.byV1Name(name);
                    if (c.isPresent() && !v1.containsKey(c.get())) {
                        v1.put(c.get(), real);
                        used = true;
                    }
                }
                if (used) {
                    writable &= Files.isWritable(real);
                }
            }
        }
        return new CgroupLayout(root, v1, v2, writable && (!v1.isEmpty() || v2.isPresent()));
    }

    private static V2 v2(Path mount) {
        Set<String> controllers = words(mount.resolve("cgroup.controllers"));
        Set<String> enabled = words(mount.resolve("cgroup.subtree_control"));
        boolean[] files = CHILD_FILES.computeIfAbsent(mount, CgroupLayout::probeChildFiles);
        return new V2(mount, controllers, enabled, files[0], files[1], files[2]);
    }

    /**
     * Whether {@code mount} is mounted with favordynmods (/proc/self/mounts): without it, each move of a process
     * into a cgroup may wait for an RCU grace period, milliseconds when spawns are seconds apart (docs/cgroups.md).
     */
    static boolean favordynmods(Path mount) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" "))
                    .anyMatch(f -> f.length > 3 && f[1].equals(mount.toString())
                            && Arrays.asList(f[3].split(",")).contains("favordynmods"));
        } catch (IOException e) {
            return false;
        }
    }

    /** What a kernel offers child cgroups does not change while it runs: probed once per mount. */
    private static final Map<Path, boolean[]> CHILD_FILES = new ConcurrentHashMap<>();
    private static final AtomicInteger PROBES = new AtomicInteger();

    /**
     * Whether child cgroups have cgroup.kill, cgroup.freeze, cgroup.events. The root cgroup has none of them:
     * look at a child, or make an empty one to look at and remove it.
     */
    private static boolean[] probeChildFiles(Path mount) {
        Optional<Path> child = children(mount).stream().filter(d -> Files.exists(d.resolve("cgroup.procs"))).findFirst();
        Path probe = null;
        if (child.isEmpty() && Files.isWritable(mount)) {
            probe = mount.resolve("overseer-probe-" + ProcessHandle.current().pid() + "-" + PROBES.incrementAndGet());
            try {
                Files.createDirectory(probe);
                child = Optional.of(probe);
            } catch (IOException e) {
                probe = null;
            }
        }
        try {
            return new boolean[]{child.map(d -> Files.exists(d.resolve("cgroup.kill"))).orElse(false),
                    child.map(d -> Files.exists(d.resolve("cgroup.freeze"))).orElse(false),
                    child.map(d -> Files.exists(d.resolve("cgroup.events"))).orElse(false)};
        } finally {
            if (probe != null) {
                try {
                    Files.delete(probe);
                } catch (IOException ignored) {
                    // a probe that cannot be removed is empty and harmless; nothing else to do
                }
            }
        }
    }

    private static Set<String> words(Path file) {
        return CgroupFs.readIfExists(file).map(s -> Arrays.stream(s.split("\\s+")).filter(w -> !w.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new))).orElseGet(LinkedHashSet::new);
    }

    private static List<Path> children(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
            s.forEach(out::add);
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }
}
