package overseer.server;

import overseer.core.OverseerException;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.Tasks;
import overseer.supervisor.Slice;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The daemon's declared services (`--services DIR`), applied by difference like `supervisorctl reread &&
 * update` or `systemctl daemon-reload`: a new service is started (after the services it comes after are
 * ready), a removed one stopped and deleted, a changed one stopped and started with its new spec, and an
 * unchanged one left alone, running or not. The names last applied are kept in the state directory, so a
 * daemon restart followed by a reload removes what was dropped from the files meanwhile.
 */
final class ServiceDirectory {
    static final String NAMESPACE = Tasks.DEFAULT_NAMESPACE;
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(1);

    private final Path dir;
    private final Path applied;
    private final TaskService tasks;
    private final ReentrantLock reloads = new ReentrantLock();

    /** What a reload did, by service name. */
    record Report(List<String> started, List<String> restarted, List<String> stopped, List<String> unchanged,
                  Map<String, String> failed) {
    }

    ServiceDirectory(Path dir, Path stateDir, TaskService tasks) {
        this.dir = dir;
        this.applied = stateDir.resolve("services.applied");
        this.tasks = tasks;
    }

    Path dir() {
        return dir;
    }

    /** Reads the files whole (an error changes nothing) and applies the difference; one reload at a time. */
    Report reload() throws InterruptedException {
        List<ServiceFiles.Declared> declared = ServiceFiles.read(dir);
        reloads.lock();
        try {
            return apply(declared);
        } finally {
            reloads.unlock();
        }
    }

    private Report apply(List<ServiceFiles.Declared> declared) throws InterruptedException {
        Set<String> before = appliedNames();
        Set<String> now = new LinkedHashSet<>();
        declared.forEach(d -> now.add(d.name()));
        List<String> started = new ArrayList<>();
        List<String> restarted = new ArrayList<>();
        List<String> stopped = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        Map<String, String> failed = new java.util.LinkedHashMap<>();
        // Removed ones go first, dependents before what they depend on (the reverse of the order they came).
        for (String name : new ArrayList<>(before).reversed()) {
            if (!now.contains(name) && exists(name)) {
                stopAndDelete(name);
                stopped.add(name);
            }
        }
        Map<String, Instant> startedNow = new ConcurrentHashMap<>();
        for (ServiceFiles.Declared d : declared) {
            String name = d.name();
            try {
                Optional<String> blocked = awaitDependencies(d.slice(), declared, startedNow);
                if (blocked.isPresent()) {
                    failed.put(name, blocked.get());
                    continue;
                }
                if (exists(name)) {
                    if (!before.contains(name)) {
                        failed.put(name, "a task of that name exists and was not declared: delete it first");
                        continue;
                    }
                    if (tasks.spec(NAMESPACE, name).equals(d.spec())) {
                        unchanged.add(name);
                        continue;
                    }
                    stopAndDelete(name);
                    restarted.add(name);
                } else {
                    started.add(name);
                }
                tasks.create(NAMESPACE, d.spec());
                tasks.start(NAMESPACE, name);
                startedNow.put(name, Instant.now());
            } catch (OverseerException e) {
                failed.put(name, e.getMessage());
                started.remove(name);
                restarted.remove(name);
            }
        }
        writeApplied(now);
        return new Report(started, restarted, stopped, unchanged, failed);
    }

    private boolean exists(String name) {
        try {
            tasks.tasks().get(NAMESPACE, name);
            return true;
        } catch (OverseerException notFound) {
            return false;
        }
    }

    private void stopAndDelete(String name) throws InterruptedException {
        tasks.services().stop(NAMESPACE, name);
        tasks.delete(NAMESPACE, name);
    }

    /**
     * Waits until every service {@code s} comes after is ready (docs/slices.md's readiness: a log line
     * that matches, a delay after its start, or a successful exit); empty when they all are, else why not.
     */
    private Optional<String> awaitDependencies(Slice.Service s, List<ServiceFiles.Declared> all,
                                               Map<String, Instant> startedNow) throws InterruptedException {
        for (String dep : s.after()) {
            Slice.Service d = all.stream().map(ServiceFiles.Declared::slice).filter(x -> x.name().equals(dep))
                    .findFirst().orElseThrow();
            Duration timeout = d.readyTimeout().orElse(READY_TIMEOUT);
            Instant deadline = Instant.now().plus(timeout);
            while (!ready(d, startedNow.get(dep))) {
                if (Instant.now().isAfter(deadline)) {
                    return Optional.of("not started: " + dep + " did not become ready (" + d.ready() + ") within "
                            + overseer.wire.Json.text(timeout));
                }
                Thread.sleep(20); // polls the dependency's state and log; nothing to wait on across runtimes
            }
        }
        return Optional.empty();
    }

    private boolean ready(Slice.Service d, Instant startedNow) {
        Task t;
        try {
            t = tasks.tasks().get(NAMESPACE, d.name());
        } catch (OverseerException gone) {
            return false;
        }
        return switch (d.ready()) {
            case Slice.Readiness.Exited e -> t.exit().map(x -> x.success()).orElse(false);
            case Slice.Readiness.Delay delay -> t.status() == Status.RUNNING
                    && (startedNow == null || Instant.now().isAfter(startedNow.plus(delay.delay())));
            case Slice.Readiness.Match m -> t.status() == Status.RUNNING && (startedNow == null || logMatches(d.name(), m.pattern()));
        };
    }

    private boolean logMatches(String name, Pattern p) {
        Path logs = tasks.logDir(NAMESPACE);
        return OutputMatch.appeared(logs.resolve(name + ".out"), 0, p) || OutputMatch.appeared(logs.resolve(name + ".err"), 0, p);
    }

    private Set<String> appliedNames() {
        try {
            return Files.exists(applied) ? new LinkedHashSet<>(Files.readAllLines(applied, StandardCharsets.UTF_8))
                    : new LinkedHashSet<>();
        } catch (IOException e) {
            throw OverseerException.unavailable("%s: cannot read the services applied last: %s", applied, e.getMessage());
        }
    }

    private void writeApplied(Set<String> names) {
        Path tmp = applied.resolveSibling(applied.getFileName() + ".tmp");
        try {
            PrivateFiles.file(tmp);
            Files.write(tmp, names, StandardCharsets.UTF_8);
            Files.move(tmp, applied, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw OverseerException.unavailable("%s: cannot record the services applied: %s", applied, e.getMessage());
        }
    }
}
