package overseer.bench;

import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code crun run} or {@code runc run} of the very bundle Overseer writes: the bundle of a task Overseer's
 * library just ran (its config.json and its task dir) is copied before the task is deleted, with the task dir's
 * path and the cgroup path in config.json pointed at the copy. The runtime is called as Overseer calls it: in a
 * private mount namespace ({@link PeerTools#launcher}: runc must never run in the host's mount namespace, DESIGN.md),
 * and for crun on a hybrid cgroup host with the v2 mount covered by an empty tmpfs in that namespace.
 */
final class BareRuntime {
    private final String name;
    private final Path bundle;
    private final Path root;
    private final Path scratch;
    private final boolean cover;

    private BareRuntime(String name, Path bundle, Path root, Path scratch, boolean cover) {
        this.name = name;
        this.bundle = bundle;
        this.root = root;
        this.scratch = scratch;
        this.cover = cover;
    }

    /** Runs one /bin/true through {@code overseer}'s library and keeps a copy of its bundle under {@code dir}. */
    static BareRuntime copiedFrom(OverseerIsolated overseer, Path ociState, Path dir) throws IOException, InterruptedException {
        String id = "bundle-source";
        Task t = overseer.tasks().create(OverseerIsolated.NAMESPACE,
                TaskSpec.of(id, ProcessSpec.of("/bin/true")).withIsolation(overseer.isolation()));
        t.start();
        t.await();
        // tasks/NS/ID is the bundle (oci's TaskPaths): config.json, and rootfs/ holding the task dir it binds.
        Path source = ociState.resolve("tasks").resolve(OverseerIsolated.NAMESPACE).resolve(id);
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        copyTree(source.resolve("rootfs"), bundle.resolve("rootfs"));
        String name = overseer.runtimeName();
        String config = Files.readString(source.resolve("config.json"))
                .replace(source.toString(), bundle.toString())
                .replaceAll("\"cgroupsPath\":\"[^\"]*\"", "\"cgroupsPath\":\"" + Scratch.CGROUP_PARENT + "/bare-" + name + "\"");
        Files.writeString(bundle.resolve("config.json"), config);
        t.delete();
        boolean hybrid = Files.exists(Path.of("/sys/fs/cgroup/unified/cgroup.controllers"))
                && !Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
        return new BareRuntime(name, bundle, Files.createDirectories(dir.resolve("root")), dir, name.equals("crun") && hybrid);
    }

    String name() {
        return name;
    }

    boolean coversUnified() {
        return cover;
    }

    /** {@code RUNTIME run} of the bundle as container {@code id}: create, start, wait and delete in one call. */
    long runTrue(String id) {
        List<String> argv = new ArrayList<>(PeerTools.launcher().argv(cover, false));
        argv.addAll(List.of(PeerTools.path(name), "--root", root.toString(), "run", "--bundle", bundle.toString(), id));
        return Cmd.run(scratch, argv).orThrow().nanos();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setAttribute(target, "unix:mode", Files.getAttribute(p, "unix:mode")); // the sticky tmp dirs too
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
