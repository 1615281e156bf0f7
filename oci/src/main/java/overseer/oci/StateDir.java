package overseer.oci;

import overseer.core.Identifiers;
import overseer.core.Isolation;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.TaskSpec;
import overseer.core.spi.TaskRuntime.Found;
import overseer.linux.ProcStat;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiPredicate;
import java.util.stream.Stream;

/**
 * The OCI runtime's state directory: {@code tasks/NS/ID} (a task's bundle, logs, exit files), {@code runtime}
 * (the runtimes' own state) and {@code sockets} (conmon's attach sockets). What a later Overseer reads to find
 * the tasks an earlier one left ({@link TaskPaths} names the files of one task).
 */
record StateDir(Path root) {
    /** A socket path has 107 bytes at most: sockets/CUUID/attach must fit under the root. */
    private static final int SOCKET_PATH_MAX = 100;

    StateDir {
        root = root.toAbsolutePath();
        int socketPath = root.resolve("sockets").toString().length() + 1 + 16 + "/attach".length();
        if (socketPath > SOCKET_PATH_MAX) {
            throw OverseerException.invalidArgument("stateDir: \"%s\" is too long for the tasks' sockets (at most 60 characters)", root);
        }
    }

    TaskPaths task(String namespace, String id) {
        return TaskPaths.init(root, namespace, id);
    }

    /** The ids of the tasks whose files are here for {@code namespace}. */
    List<String> stored(String namespace) {
        try (Stream<Path> s = Files.list(root.resolve("tasks").resolve(Identifiers.require("namespace", namespace)))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Every task whose files are here, but those {@code skip} names (namespace, id): its pid while its
     * container runs (0 once it ended, or before it ran), and its process as its bundle's config.json gives it,
     * isolated by {@code isolation}.
     */
    List<Found> found(BiPredicate<String, String> skip, Isolation isolation) {
        List<Found> out = new ArrayList<>();
        Path tasks = root.resolve("tasks");
        if (!Files.isDirectory(tasks)) {
            return out;
        }
        try (Stream<Path> namespaces = Files.list(tasks)) {
            for (Path ns : namespaces.filter(Files::isDirectory).toList()) {
                String namespace = ns.getFileName().toString();
                for (String id : stored(namespace)) {
                    if (!skip.test(namespace, id)) {
                        out.add(found(namespace, id, isolation));
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // a namespace removed while listing: what is left was listed
        }
        return out;
    }

    private Found found(String namespace, String id, Isolation isolation) {
        TaskPaths paths = task(namespace, id);
        long pid = Files.exists(paths.exitFile()) ? 0 : Files2.read(paths.pidFile()).map(Long::parseLong).orElse(0L);
        long startTime = ProcStat.startTime(pid);
        if (startTime == 0) {
            pid = 0; // ended while no conmon wrote its exit (or the pid file is stale)
        }
        return new Found(namespace, id, pid, startTime, TaskSpec.of(id, process(paths)).withIsolation(isolation),
                paths.dir().toString());
    }

    /** The process of a task's config.json; /bin/true when there is no bundle yet (a create cut short) or a broken one. */
    private static ProcessSpec process(TaskPaths paths) {
        try {
            JsonNode p = Bundle.JSON.readTree(paths.config().toFile()).path("process");
            List<String> args = new ArrayList<>();
            p.path("args").forEach(a -> args.add(a.asString()));
            Map<String, String> env = new LinkedHashMap<>();
            p.path("env").forEach(kv -> {
                String[] f = kv.asString().split("=", 2);
                env.put(f[0], f.length > 1 ? f[1] : "");
            });
            return ProcessSpec.builder(args.isEmpty() ? List.of("/bin/true") : args).env(env)
                    .cwd(Path.of(p.path("cwd").asString("/"))).build();
        } catch (RuntimeException e) {
            return ProcessSpec.of("/bin/true");
        }
    }

    /**
     * The container's pid from conmon's pid file. A conmon caught starting by the crash writes it soon: it is
     * given a few seconds while it lives; 0 when there is none.
     */
    static long awaitPid(TaskPaths paths) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            long pid = Files2.read(paths.pidFile()).map(Long::parseLong).orElse(0L);
            long conmon = Files2.read(paths.conmonPidFile()).map(Long::parseLong).orElse(0L);
            boolean starting = conmon > 0 && ProcessHandle.of(conmon).isPresent();
            if (pid != 0 || !starting || System.nanoTime() > deadline || Files.exists(paths.exitFile())) {
                return pid;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** The runtimes' state roots, one per task (each task's runtime has a root of its own). */
    List<Path> runtimeRoots() {
        try (Stream<Path> roots = Files.exists(root.resolve("runtime")) ? Files.list(root.resolve("runtime")) : Stream.empty()) {
            return roots.toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Removes every task's files, the runtimes' state and the sockets. */
    void deleteAll() {
        for (String sub : List.of("tasks", "runtime", "sockets")) {
            Files2.deleteTree(root.resolve(sub));
        }
    }

    /** Removes the directories no task uses any more, and the root itself when nothing is left in it. */
    void removeEmpty() {
        for (String sub : List.of("tasks", "runtime", "sockets")) {
            removeEmptyDirs(root.resolve(sub));
        }
        removeEmptyDirs(root);
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
}
