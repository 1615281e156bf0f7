package overseer.supervisor;

import overseer.core.Framing;
import overseer.core.Identifiers;
import overseer.core.LogConfig;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.regex.Pattern;

/**
 * 0-core's startup slice: services started in dependency order by a {@link SliceRunner}. A service starts
 * once every service named in its {@code after} is ready. The whole slice is checked when it is made, so
 * an invalid slice never reaches the runner and nothing is started for it: duplicate names, unknown names
 * in {@code after}, cycles, empty commands, negative or absurd durations. Errors are INVALID_ARGUMENT
 * naming the field as {@code services[i].field}.
 *
 * @param services the services, in the order given (the order breaks ties in start and stop order)
 */
public record Slice(List<Service> services) {
    static final Duration MAX_DURATION = Duration.ofDays(1);
    /** The readiness of a long-running service that says nothing else (0-core's default running delay). */
    public static final Readiness DEFAULT_READINESS = new Readiness.Delay(Duration.ofSeconds(2));

    public Slice {
        services = List.copyOf(Objects.requireNonNull(services, "services"));
        if (services.isEmpty()) {
            throw OverseerException.invalidField("services", "a slice needs at least one service");
        }
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            Service s = Objects.requireNonNull(services.get(i), "services[" + i + "]");
            s.check("services[" + i + "]");
            Integer before = index.putIfAbsent(s.name(), i);
            if (before != null) {
                throw OverseerException.invalidField("services[" + i + "].name", "\"%s\" is already the name of services[%d]",
                        s.name(), before);
            }
        }
        for (int i = 0; i < services.size(); i++) {
            List<String> after = services.get(i).after();
            for (int j = 0; j < after.size(); j++) {
                String dep = after.get(j);
                if (!index.containsKey(dep)) {
                    throw OverseerException.invalidField("services[" + i + "].after[" + j + "]", "no service is named \"%s\"", dep);
                }
                if (dep.equals(services.get(i).name())) {
                    throw OverseerException.invalidField("services[" + i + "].after", "cycle %s -> %s", dep, dep);
                }
                if (after.indexOf(dep) != j) {
                    throw OverseerException.invalidField("services[" + i + "].after[" + j + "]", "\"%s\" is listed twice", dep);
                }
            }
        }
        cycle(services, index).ifPresent(path -> {
            throw OverseerException.invalidField("services[" + index.get(path.getFirst()) + "].after", "cycle %s",
                    String.join(" -> ", path));
        });
    }

    public Slice(Service... services) {
        this(List.of(services));
    }

    /** The service of that name; NOT_FOUND if there is none. */
    public Service service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> OverseerException.notFound("slice has no service named \"%s\"", name));
    }

    /**
     * The services in start order: each after everything it depends on, ties broken by the order given.
     * Stop order is its reverse: dependents first.
     */
    public List<Service> startOrder() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            index.put(services.get(i).name(), i);
        }
        int[] waiting = new int[services.size()];
        Map<String, List<Integer>> dependents = new HashMap<>();
        for (int i = 0; i < services.size(); i++) {
            waiting[i] = services.get(i).after().size();
            for (String dep : services.get(i).after()) {
                dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(i);
            }
        }
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        for (int i = 0; i < services.size(); i++) {
            if (waiting[i] == 0) {
                ready.add(i);
            }
        }
        List<Service> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            Service s = services.get(ready.poll());
            order.add(s);
            for (int d : dependents.getOrDefault(s.name(), List.of())) {
                if (--waiting[d] == 0) {
                    ready.add(d);
                }
            }
        }
        return order;
    }

    /** The first cycle found by a depth-first walk along "after" links, as a path a -> b -> a. */
    private static Optional<List<String>> cycle(List<Service> services, Map<String, Integer> index) {
        int[] mark = new int[services.size()]; // 0 unvisited, 1 on the current path, 2 done
        for (int i = 0; i < services.size(); i++) {
            List<String> path = new ArrayList<>();
            Optional<List<String>> found = visit(i, services, index, mark, path);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<List<String>> visit(int i, List<Service> services, Map<String, Integer> index, int[] mark,
                                                List<String> path) {
        if (mark[i] == 2) {
            return Optional.empty();
        }
        String name = services.get(i).name();
        if (mark[i] == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
            cycle.add(name);
            return Optional.of(cycle);
        }
        mark[i] = 1;
        path.add(name);
        for (String dep : services.get(i).after()) {
            Optional<List<String>> found = visit(index.get(dep), services, index, mark, path);
            if (found.isPresent()) {
                return found;
            }
        }
        path.removeLast();
        mark[i] = 2;
        return Optional.empty();
    }

    /**
     * When a started service counts as ready, releasing the services that come after it. Whatever the
     * readiness, a service that exits successfully before it is ready is ready too (0-core: an exit with
     * success releases), and one that exits unsuccessfully before it is ready has failed.
     */
    public sealed interface Readiness {
        /** Ready on the first line of its output (stdout or stderr) that contains a match of {@code pattern}. */
        record Match(Pattern pattern) implements Readiness {
            public Match {
                Objects.requireNonNull(pattern, "ready.match");
            }

            @Override
            public String toString() {
                return "match \"" + pattern.pattern() + "\"";
            }
        }

        /** Ready once it has been running for {@code delay} (0 means as soon as it is started). */
        record Delay(Duration delay) implements Readiness {
            public Delay {
                Objects.requireNonNull(delay, "ready.delay");
            }

            @Override
            public String toString() {
                return "delay " + delay;
            }
        }

        /** A one-shot: ready when it has exited successfully. */
        record Exited() implements Readiness {
            @Override
            public String toString() {
                return "exited";
            }
        }

        Exited EXITED = new Exited();

        static Match match(String regex) {
            return new Match(Patterns.compile("ready.match", regex));
        }

        static Delay delay(Duration d) {
            return new Delay(d);
        }
    }

    /**
     * One service of a slice. Its values are checked as part of the slice, so that an error names
     * {@code services[i]}.
     *
     * @param name        the service name, an identifier (letters, digits, '.', '_', '-'); the job id is the
     *                    runner's prefix plus the name
     * @param command     the program and its arguments; the program is a path, or a name looked up in the
     *                    {@code PATH} of {@code env}
     * @param env         the whole environment of the process (nothing is inherited)
     * @param dir         the working directory, absolute; the supervisor's when empty
     * @param after       the names of the services that must be ready before this one starts
     * @param ready       when it counts as ready
     * @param restart     the restart policy of its job
     * @param maxRestarts how many restarts at most (0 with {@code restart} never)
     * @param oneshot     whether it is expected to run to completion (a migration, a setup step). A one-shot
     *                    is ready when it exits successfully unless another readiness is given, and cannot
     *                    restart always
     * @param readyTimeout how long it may take to become ready; past it the service fails and is stopped.
     *                    Empty: no limit (0-core waits forever)
     */
    public record Service(String name, List<String> command, Map<String, String> env, Optional<Path> dir,
                          List<String> after, Readiness ready, RestartPolicy.Mode restart, int maxRestarts,
                          boolean oneshot, Optional<Duration> readyTimeout) {
        public Service {
            Objects.requireNonNull(name, "name");
            command = List.copyOf(Objects.requireNonNull(command, "command"));
            env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(env, "env")));
            Objects.requireNonNull(dir, "dir");
            after = List.copyOf(Objects.requireNonNull(after, "after"));
            Objects.requireNonNull(ready, "ready");
            Objects.requireNonNull(restart, "restart");
            Objects.requireNonNull(readyTimeout, "readyTimeout");
        }

        /** A long-running service with the default readiness (running for 2 s), no restarts. */
        public static Service of(String name, List<String> command) {
            return new Service(name, command, Map.of(), Optional.empty(), List.of(), DEFAULT_READINESS,
                    RestartPolicy.Mode.NEVER, 0, false, Optional.empty());
        }

        /** A one-shot: ready when it has exited successfully. */
        public static Service oneshot(String name, List<String> command) {
            return of(name, command).withReady(Readiness.EXITED).withOneshot(true);
        }

        public Service withAfter(String... names) {
            return new Service(name, command, env, dir, List.of(names), ready, restart, maxRestarts, oneshot, readyTimeout);
        }

        public Service withReady(Readiness r) {
            return new Service(name, command, env, dir, after, r, restart, maxRestarts, oneshot || r instanceof Readiness.Exited,
                    readyTimeout);
        }

        public Service withOneshot(boolean b) {
            return new Service(name, command, env, dir, after, ready, restart, maxRestarts, b, readyTimeout);
        }

        public Service withEnv(Map<String, String> vars) {
            return new Service(name, command, vars, dir, after, ready, restart, maxRestarts, oneshot, readyTimeout);
        }

        public Service withDir(Path d) {
            return new Service(name, command, env, Optional.of(d), after, ready, restart, maxRestarts, oneshot, readyTimeout);
        }

        public Service withRestart(RestartPolicy.Mode mode, int max) {
            return new Service(name, command, env, dir, after, ready, mode, max, oneshot, readyTimeout);
        }

        public Service withReadyTimeout(Duration d) {
            return new Service(name, command, env, dir, after, ready, restart, maxRestarts, oneshot, Optional.of(d));
        }

        /** Checks the values, naming fields under {@code at} ("services[2]"). */
        void check(String at) {
            Identifiers.require(at + ".name", name);
            if (name.length() > Identifiers.MAX_LENGTH - 16) {
                throw OverseerException.invalidField(at + ".name", "\"%s\" is longer than %d characters", name,
                        Identifiers.MAX_LENGTH - 16);
            }
            try {
                process(); // the process's own checks, one copy of them: only the fields are named as here
            } catch (OverseerException e) {
                throw renamed(at, e);
            }
            if (ready instanceof Readiness.Delay(Duration d)) {
                duration(at + ".ready.delay", d);
            }
            readyTimeout.ifPresent(d -> {
                duration(at + ".ready_timeout", d);
                if (d.isZero()) {
                    throw OverseerException.invalidField(at + ".ready_timeout", "must be positive");
                }
            });
            if (ready instanceof Readiness.Exited && !oneshot) {
                throw OverseerException.invalidField(at + ".oneshot", "a service that is ready when it exited is a one-shot");
            }
            if (maxRestarts < 0 || maxRestarts > Command.MAX_RESTARTS) {
                throw OverseerException.invalidField(at + ".max_restarts", "%d is out of range 0..%d", maxRestarts,
                        Command.MAX_RESTARTS);
            }
            if (restart == RestartPolicy.Mode.NEVER && maxRestarts > 0) {
                throw OverseerException.invalidField(at + ".max_restarts", "%d restarts with restart: never", maxRestarts);
            }
            if (oneshot && restart == RestartPolicy.Mode.ALWAYS) {
                throw OverseerException.invalidField(at + ".restart", "a one-shot cannot restart always (it would run again after each success)");
            }
        }

        /**
         * The process each run of the service's job is: its command, its whole environment (nothing is
         * inherited), its directory; no stdin; its output captured and cut into lines.
         */
        public ProcessSpec process() {
            return ProcessSpec.builder(command).env(env).cwd(dir.orElse(null)).stdin(Redirect.NULL).captureOutput()
                    .logs(new LogConfig(Framing.LINE, 0, Optional.empty())).build();
        }

        /** ProcessSpec's "args[1]: ..." as the service's "services[0].command[1]: ...": its fields by their names here. */
        private static OverseerException renamed(String at, OverseerException e) {
            String field = e.field().orElse("");
            for (Map.Entry<String, String> f : Map.of("args", "command", "env", "env", "cwd", "dir").entrySet()) {
                String k = f.getKey();
                if (field.equals(k) || field.startsWith(k + "[") || field.startsWith(k + ".")) {
                    return e.withField(at + "." + f.getValue() + field.substring(k.length()));
                }
            }
            return e.under(at, ": ");
        }

        private static void duration(String field, Duration d) {
            if (d.isNegative()) {
                throw OverseerException.invalidField(field, "must not be negative, got %s", d);
            }
            if (d.compareTo(MAX_DURATION) > 0) {
                throw OverseerException.invalidField(field, "%s is longer than %s", d, MAX_DURATION);
            }
        }
    }
}
