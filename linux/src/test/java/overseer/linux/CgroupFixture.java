package overseer.linux;

import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.CgroupLayout.Controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real cgroups for a test: a native runtime whose tasks live under a parent named {@code overseer-test-*},
 * and a {@link #close()} that stops the tasks and removes that parent from every hierarchy, killing whatever
 * is still in it, whether the test passed or not.
 */
final class CgroupFixture implements AutoCloseable {
    static final String NS = "cg";
    static final String PATH = "/usr/bin:/bin";
    private static final AtomicInteger IDS = new AtomicInteger();

    final CgroupLayout layout;
    final String parent = "overseer-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    final NativeRuntime runtime;
    final Tasks tasks;

    /** Skips the calling test, saying why, unless this host lets Overseer make cgroups. */
    static CgroupLayout requireCgroups() {
        assumeTrue(LibC.geteuid() == 0, "needs root to create cgroups (uid " + LibC.geteuid() + ")");
        CgroupLayout layout = CgroupLayout.detect();
        assumeTrue(layout.usable(), () -> "cgroups cannot be used here: " + layout.problem().orElse(""));
        return layout;
    }

    /** With the layout as found (on this repo's hosts: v1 controllers, v2 for freeze and kill). */
    static CgroupFixture detected() {
        return new CgroupFixture(requireCgroups());
    }

    /** v1 only: v1 freezer for pause and kill, v1 cgroup.procs for pids. */
    static CgroupFixture v1Only() {
        CgroupLayout l = requireCgroups();
        assumeTrue(!l.v1().isEmpty(), "this host has no cgroup v1 hierarchy");
        return new CgroupFixture(l.withoutV2());
    }

    private CgroupFixture(CgroupLayout layout) {
        this.layout = layout;
        this.runtime = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(parent), layout);
        this.tasks = new Tasks(runtime);
    }

    static String uniqueId(String prefix) {
        return prefix + "-" + IDS.incrementAndGet();
    }

    static ProcessSpec.Builder sh(String script) {
        return ProcessSpec.builder("/bin/sh", "-c", script).env("PATH", PATH);
    }

    Task create(String prefix, ProcessSpec spec, Resources r) {
        return tasks.create(NS, TaskSpec.of(uniqueId(prefix), spec).withResources(r));
    }

    Task start(String prefix, ProcessSpec spec, Resources r) {
        Task t = create(prefix, spec, r);
        t.start();
        return t;
    }

    /** The task's cgroup directory for controller {@code c} (v1 or v2, as the layout uses it). */
    Path dir(Controller c, Task t) {
        Path h = switch (layout.version(c)) {
            case V1 -> layout.v1().get(c);
            case V2 -> layout.v2().orElseThrow().mount();
            case NONE -> throw new IllegalStateException("no " + c + " here");
        };
        return h.resolve(parent).resolve(t.namespace()).resolve(t.id());
    }

    /** The task's v2 cgroup directory. */
    Path v2Dir(Task t) {
        return layout.v2().orElseThrow().mount().resolve(parent).resolve(t.namespace()).resolve(t.id());
    }

    static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    /** Every directory of this fixture's parent, in every hierarchy, deepest first. */
    List<Path> leftovers() {
        List<Path> out = new ArrayList<>();
        for (Path h : hierarchies()) {
            Path p = h.resolve(parent);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isDirectory).forEach(out::add);
                } catch (IOException e) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return out;
    }

    private List<Path> hierarchies() {
        CgroupLayout real = CgroupLayout.detect(layout.root());
        List<Path> hs = new ArrayList<>(real.v1().values().stream().distinct().toList());
        real.v2().ifPresent(v -> hs.add(v.mount()));
        return hs;
    }

    /** Stops and deletes every task, closes the runtime, then kills and removes anything left under the parent. */
    @Override
    public void close() {
        try {
            tasks.close();
        } finally {
            for (Path d : leftovers()) {
                purge(d);
            }
        }
    }

    private static void purge(Path d) {
        try {
            if (Files.exists(d.resolve("cgroup.kill"))) {
                Files.writeString(d.resolve("cgroup.kill"), "1");
            }
            for (String pid : Files.readAllLines(d.resolve("cgroup.procs"))) {
                try {
                    LibC.kill(Integer.parseInt(pid.strip()), 9);
                } catch (LibC.Errno | RuntimeException ignored) {
                    // gone
                }
            }
            if (Files.exists(d.resolve("freezer.state"))) {
                Files.writeString(d.resolve("freezer.state"), "THAWED");
            }
        } catch (IOException ignored) {
            // best effort: removal below says whether it worked
        }
        for (int i = 0; i < 200 && Files.exists(d); i++) {
            try {
                Files.delete(d);
            } catch (IOException e) {
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        }
    }
}
