package overseer.linux;

import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.Resources;
import overseer.linux.CgroupLayout.Controller;
import overseer.linux.CgroupLayout.Version;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The cgroups of one native runtime: {@code <hierarchy>/<parent>/<namespace>/<task id>} in every hierarchy
 * the {@link CgroupLayout} uses. It only ever writes below {@code <parent>}, which it creates: never in a
 * cgroup it did not make (this host's sessions sit in a memory cgroup that is not theirs to change).
 */
final class CgroupTree {
    private static final long REMOVE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final CgroupLayout layout;
    /** {@link CgroupLayout#tracking()}: the one hierarchy of a task without limits, which every task has a cgroup in. */
    private final CgroupLayout tracking;
    private final String parent;

    CgroupTree(CgroupLayout layout, String parent) {
        this.layout = layout;
        this.tracking = layout.tracking();
        this.parent = requireParent(parent);
    }

    private static String requireParent(String parent) {
        if (parent == null || parent.isEmpty() || parent.startsWith("/") || parent.contains("..")) {
            throw OverseerException.invalidArgument("cgroupParent: must be a relative path without \"..\", got \"%s\"", parent);
        }
        return parent;
    }

    CgroupLayout layout() {
        return layout;
    }

    String parent() {
        return parent;
    }

    /** The task's directory in {@code hierarchy}. */
    Path dir(Path hierarchy, String namespace, String id) {
        return hierarchy.resolve(parent).resolve(namespace).resolve(id);
    }

    /**
     * The {@code tasks} files a spawner thread waits in between two placements: the parent cgroup of each v1
     * hierarchy, which this tree created. Never the cgroups the JVM started in.
     */
    List<Path> parking() {
        return layout.v1Hierarchies().stream().map(h -> h.resolve(parent).resolve("tasks")).toList();
    }

    /** Checks, before anything is created, that this host can apply {@code r}; UNAVAILABLE naming the field. */
    void requireSupported(Resources r) {
        if (!layout.usable()) {
            throw OverseerException.unavailable("resources: cgroups cannot be used: %s", layout.problem().orElseThrow());
        }
        if (r.cpus().isPresent() || r.cpuWeight().isPresent()) {
            requireController(r.cpus().isPresent() ? "resources.cpus" : "resources.cpuWeight", Controller.CPU);
        }
        if (r.memoryBytes().isPresent()) {
            requireController("resources.memoryBytes", Controller.MEMORY);
        }
        if (r.swapBytes().isPresent() && layout.version(Controller.MEMORY) == Version.V1
                && !Files.exists(layout.v1().get(Controller.MEMORY).resolve("memory.memsw.limit_in_bytes"))) {
            throw OverseerException.unavailable(
                    "resources.swapBytes: swap accounting is off on this host (no memory.memsw.limit_in_bytes)");
        }
        if (r.pidsLimit().isPresent()) {
            requireController("resources.pidsLimit", Controller.PIDS);
            if (r.pidsLimit().getAsLong() < 2 && !layout.usesV2()) {
                // Placed from a thread moved into the cgroups, the spawning thread counts while it spawns.
                throw OverseerException.invalidArgument(
                        "resources.pidsLimit: must be at least 2 on this host, where the spawning thread counts against it");
            }
        }
        if (r.ioWeight().isPresent()) {
            requireController("resources.ioWeight", Controller.IO);
        }
    }

    private void requireController(String field, Controller c) {
        if (layout.version(c) == Version.NONE) {
            throw OverseerException.aboutField(ErrorKind.UNAVAILABLE, field, "this host has no %s controller (neither cgroup v2 nor v1)",
                    c.v2Name == null ? c.v1Name : c.v2Name);
        }
    }

    /** Whether {@code cg} is a task's tracking cgroup alone, where the full layout has more hierarchies. */
    boolean trackingOnly(TaskCgroup cg) {
        return !tracking.equals(layout) && cg.layout().equals(tracking);
    }

    /**
     * A tracking-only task given limits (an update): its cgroups in every other hierarchy are made and each of
     * its processes moved into them, all frozen meanwhile so that no fork is missed. On failure the task
     * keeps its tracking cgroup alone, and what was made is emptied back into the parent and removed.
     */
    TaskCgroup widen(TaskCgroup narrow, String namespace, String id) {
        List<Path> made = new ArrayList<>();
        try {
            for (Path h : layout.v1Hierarchies()) {
                if (!Files.isDirectory(dir(h, namespace, id))) {
                    made.add(mkdir(h, namespace, id));
                }
            }
            Optional<Path> v2 = Optional.empty();
            if (layout.usesV2()) {
                Path mount = layout.v2().orElseThrow().mount();
                enableV2Controllers(layout, mount, namespace);
                v2 = Optional.of(dir(mount, namespace, id));
                if (!Files.isDirectory(v2.get())) {
                    made.add(mkdir(mount, namespace, id));
                }
            }
            narrow.frozen(() -> moveInto(narrow.procs(), made));
            return new TaskCgroup(layout, narrow.name(), dirsByController(layout, namespace, id), v2);
        } catch (IOException | RuntimeException e) {
            for (Path d : made) {
                moveInto(CgroupFs.pids(d.resolve("cgroup.procs")), List.of(d.getParent().getParent()));
                tryRemoveDir(d);
            }
            if (e instanceof OverseerException o) {
                throw o;
            }
            throw OverseerException.unavailable("cannot give task %s/%s the cgroups its limits need: %s", namespace, id,
                    e instanceof FileSystemException f ? f.getFile() + ": " + CgroupFs.reason(f) : e.toString());
        }
    }

    /** Writes each of {@code pids} to the cgroup.procs of each of {@code cgroups}; a pid gone meanwhile is skipped. */
    private static void moveInto(List<Long> pids, List<Path> cgroups) {
        for (Path d : cgroups) {
            for (long pid : pids) {
                try {
                    CgroupFs.writeOrErrno(d.resolve("cgroup.procs"), Long.toString(pid));
                } catch (LibC.Errno e) {
                    if (e.errno != Errnos.ESRCH) {
                        throw OverseerException.unavailable("cannot move pid %d into %s: %s", pid, d, LibC.strerror(e.errno));
                    }
                }
            }
        }
    }

    /**
     * Creates the task's cgroups, fresh: in every hierarchy, or with {@code trackingOnly} in the tracking one
     * alone (a task without limits). A leftover directory of the same name (from an Overseer that died) is
     * removed first when it is empty; one that still holds processes is FAILED_PRECONDITION.
     */
    TaskCgroup create(String namespace, String id, boolean trackingOnly) {
        CgroupLayout l = trackingOnly ? tracking : layout;
        List<Path> made = new ArrayList<>();
        try {
            for (Path h : l.v1Hierarchies()) {
                made.add(mkdir(h, namespace, id));
            }
            Optional<Path> v2 = Optional.empty();
            if (l.usesV2()) {
                Path mount = l.v2().orElseThrow().mount();
                enableV2Controllers(l, mount, namespace);
                v2 = Optional.of(mkdir(mount, namespace, id));
                made.add(v2.get());
            }
            return new TaskCgroup(l, namespace + "/" + id, dirsByController(l, namespace, id), v2);
        } catch (IOException e) {
            for (Path d : made) {
                tryRemoveDir(d);
            }
            throw OverseerException.unavailable("cannot create the cgroups of task %s/%s: %s", namespace, id,
                    e instanceof FileSystemException f ? f.getFile() + ": " + CgroupFs.reason(e) : e.toString());
        }
    }

    /**
     * The cgroups a previous Overseer made for the task, taken back as they are (limits, counters and
     * processes kept), when every directory this layout gives a task exists; else empty (the task had none).
     */
    Optional<TaskCgroup> existing(String namespace, String id) {
        return existing(layout, namespace, id).or(() -> existing(tracking, namespace, id));
    }

    /** The task's cgroups in every hierarchy of {@code l}, if each of them exists. */
    private Optional<TaskCgroup> existing(CgroupLayout l, String namespace, String id) {
        List<Path> expected = new ArrayList<>();
        for (Path h : l.v1Hierarchies()) {
            expected.add(dir(h, namespace, id));
        }
        Optional<Path> v2 = l.usesV2() ? Optional.of(dir(l.v2().orElseThrow().mount(), namespace, id)) : Optional.empty();
        v2.ifPresent(expected::add);
        if (expected.isEmpty() || !expected.stream().allMatch(Files::isDirectory)) {
            return Optional.empty();
        }
        return Optional.of(new TaskCgroup(l, namespace + "/" + id, dirsByController(l, namespace, id), v2));
    }

    /**
     * The (namespace, id) of every task cgroup under the parent, as the tracking hierarchy lists them (every
     * task has a cgroup there, with limits or without). A directory that is no task's (deeper, or a
     * namespace with a file) is skipped.
     */
    List<String[]> taskNames() {
        Optional<Path> h = tracking.usesV2() ? tracking.v2().map(CgroupLayout.V2::mount) : tracking.v1Hierarchies().stream().findFirst();
        List<String[]> out = new ArrayList<>();
        if (h.isEmpty() || !Files.isDirectory(h.get().resolve(parent))) {
            return out;
        }
        try (var namespaces = Files.list(h.get().resolve(parent))) {
            for (Path ns : namespaces.filter(Files::isDirectory).toList()) {
                try (var ids = Files.list(ns)) {
                    ids.filter(Files::isDirectory).forEach(id -> out.add(new String[] {ns.getFileName().toString(),
                            id.getFileName().toString()}));
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a namespace removed while listing: what is left was listed
        }
        return out;
    }

    private Map<Controller, Path> dirsByController(CgroupLayout l, String namespace, String id) {
        Map<Controller, Path> dirs = new EnumMap<>(Controller.class);
        for (Controller c : Controller.values()) {
            switch (l.version(c)) {
                case V1 -> dirs.put(c, dir(l.v1().get(c), namespace, id));
                case V2 -> dirs.put(c, dir(l.v2().orElseThrow().mount(), namespace, id));
                case NONE -> {
                }
            }
        }
        return dirs;
    }

    private Path mkdir(Path hierarchy, String namespace, String id) throws IOException {
        Path d = dir(hierarchy, namespace, id);
        for (int attempt = 0; ; attempt++) {
            Files.createDirectories(d.getParent());
            try {
                Files.createDirectory(d);
                return d;
            } catch (NoSuchFileException e) {
                // Another runtime sharing the parent removed the empty namespace directory just now.
                if (attempt == 2) {
                    throw e;
                }
            } catch (FileAlreadyExistsException e) {
                return reuse(d);
            }
        }
    }


    /** A leftover of the same name: made afresh (fresh counters) if empty, refused if it holds processes. */
    private static Path reuse(Path d) throws IOException {
        if (!CgroupFs.pids(d.resolve("cgroup.procs")).isEmpty()) {
            throw OverseerException.failedPrecondition(
                    "cgroup %s already exists and holds processes (left by an Overseer that did not clean up?)", d);
        }
        tryRemoveDir(d);
        if (!Files.exists(d)) {
            Files.createDirectory(d);
        }
        return d;
    }

    /**
     * In v2 a controller reaches a cgroup only when every ancestor enables it for its children. The v2 root
     * enables it already (that is what "enabled" means here); enable it in the two levels this tree owns.
     */
    private void enableV2Controllers(CgroupLayout l, Path mount, String namespace) throws IOException {
        List<String> wanted = new ArrayList<>();
        for (Controller c : Controller.values()) {
            if (c.v2Name != null && l.version(c) == Version.V2 && !wanted.contains(c.v2Name)) {
                wanted.add(c.v2Name);
            }
        }
        if (wanted.isEmpty()) {
            return;
        }
        String line = String.join(" ", wanted.stream().map(w -> "+" + w).toList());
        Path p = mount.resolve(parent);
        Files.createDirectories(p.resolve(namespace));
        CgroupFs.write(p.resolve("cgroup.subtree_control"), line);
        CgroupFs.write(p.resolve(namespace).resolve("cgroup.subtree_control"), line);
    }

    /**
     * Removes the namespace directories and the parent where they are empty, in every hierarchy. Other
     * runtimes may share the parent: what they still use stays. {@code leaving} are the thread ids of this
     * runtime's spawner threads, which have ended but may not have left their cgroup yet.
     */
    void removeEmpty(Set<Long> leaving) {
        List<Path> hierarchies = new ArrayList<>(layout.v1Hierarchies());
        if (layout.usesV2()) {
            hierarchies.add(layout.v2().orElseThrow().mount());
        }
        for (Path h : hierarchies) {
            Path p = h.resolve(parent);
            try (var namespaces = Files.newDirectoryStream(p, Files::isDirectory)) {
                for (Path ns : namespaces) {
                    tryRemoveDir(ns);
                }
            } catch (IOException e) {
                continue; // no parent there
            }
            // The spawner threads that waited in the parent have ended, but the kernel may not have let go yet.
            long deadline = System.nanoTime() + REMOVE_RETRY_NANOS;
            while (!tryRemoveDir(p) && stillLeaving(p, leaving) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    private static boolean stillLeaving(Path cgroup, Set<Long> leaving) {
        return CgroupFs.pids(cgroup.resolve("tasks")).stream().anyMatch(leaving::contains);
    }

    /** rmdir; false when the directory is in use or not empty. */
    static boolean tryRemoveDir(Path d) {
        return removeDir(d) == Removal.REMOVED;
    }

    enum Removal { REMOVED, BUSY, NOT_EMPTY }

    /**
     * rmdir. BUSY (EBUSY) can pass: a process just killed may still be leaving the cgroup. NOT_EMPTY will
     * not: the directory holds child cgroups (or, in a fake tree, files).
     */
    static Removal removeDir(Path d) {
        try {
            Files.delete(d);
            return Removal.REMOVED;
        } catch (NoSuchFileException e) {
            return Removal.REMOVED;
        } catch (DirectoryNotEmptyException e) {
            return Removal.NOT_EMPTY;
        } catch (IOException e) {
            return Removal.BUSY;
        }
    }
}
