package overseer.cli;

import overseer.client.OverseerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The verbs that talk to a running daemon, ctr/docker style: ps, create, start, kill, pause, resume, rm,
 * inspect, wait, logs, events, top. Each takes --socket (or OVERSEER_SOCKET), --namespace and --json.
 */
final class ClientCommands {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ClientCommands() {
    }

    /**
     * What exec takes to describe a new process. Like `docker exec`, it runs as the task's user, with the task's
     * environment and working directory, unless -u, -e (added over the task's) or -w say otherwise.
     */
    static final class NewProcess {
        @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable, over the task's (repeatable).")
        List<String> env = new ArrayList<>();

        @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user (default: the task's).")
        String user;

        @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory (default: the task's).")
        String cwd;

        @Parameters(index = "0", paramLabel = "ID", description = "Task id or unique prefix.")
        String id;

        List<String> command;

        /**
         * Everything after the task id is the command (parsing stops there, see Main), so a `--` between them
         * arrives as a word of its own: it is the separator, not the program.
         */
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "Command and arguments (after --).")
        void command(List<String> words) {
            // picocli calls this as each word comes; a bare "--" leaves no command, which the spec refuses by name
            command = List.copyOf(!words.isEmpty() && words.getFirst().equals("--") ? words.subList(1, words.size()) : words);
        }

        /** The process, with what it does not say taken from the task; {@link #id} becomes the whole id. */
        ObjectNode inTask(OverseerClient c, String namespace, String name) {
            id = Ids.resolve(c, namespace, id);
            JsonNode task = c.task(namespace, id).path("spec").path("process");
            ObjectNode process = (ObjectNode) spec(name, command, env, cwd != null ? cwd : text(task, "cwd"),
                    user != null ? user : text(task, "user")).get("process");
            ObjectNode vars = JSON.createObjectNode();
            task.path("env").properties().forEach(e -> vars.set(e.getKey(), e.getValue()));
            process.get("env").properties().forEach(e -> vars.set(e.getKey(), e.getValue()));
            process.set("env", vars);
            return process;
        }

        private static String text(JsonNode n, String field) {
            return n.path(field).isString() ? n.get(field).asString() : null;
        }
    }

    /** Options every client verb shares. */
    static final class Target {
        @Option(names = {"-H", "--socket"}, paramLabel = "PATH", description = "The daemon's socket (default: $OVERSEER_SOCKET or the daemon's default).")
        Path socket;

        @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace (default: default).")
        String namespace;

        @Option(names = "--json", description = "Print the daemon's JSON answer.")
        boolean json;

        @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
        picocli.CommandLine.Model.CommandSpec verb;

        OverseerClient client() {
            return new OverseerClient(Globals.socket(verb, socket));
        }

        /** This verb's namespace: its own -n, else the one before the verb, else "default". */
        String ns() {
            return Globals.namespace(verb, namespace);
        }

        /** Prints the JSON, or the human form. */
        void print(JsonNode n, Runnable human) {
            if (json) {
                System.out.println(JSON.writeValueAsString(n));
            } else {
                human.run();
            }
        }
    }

    @Command(name = "ps", description = "List tasks: the running ones, or every one with -a.", mixinStandardHelpOptions = true)
    static final class Ps implements Runnable {
        @Mixin
        Target t;

        @Option(names = {"-a", "--all"}, description = "Every task, not only the running ones (docker ps -a).")
        boolean all;

        @Option(names = {"-q", "--quiet"}, description = "Only the ids.")
        boolean quiet;

        @Option(names = {"-A", "--all-namespaces"}, description = "The tasks of every namespace.")
        boolean allNamespaces;

        @Option(names = "--format", paramLabel = "table|json", defaultValue = "table",
                description = "table (default), or json: one object per line.")
        String format;

        @Option(names = "--no-trunc", description = "Do not cut the command.")
        boolean noTrunc;

        @Override
        public void run() {
            if (!format.equals("table") && !format.equals("json")) {
                throw overseer.core.OverseerException.invalidField("--format", "expected table or json, got \"%s\"", format);
            }
            OverseerClient c = t.client();
            JsonNode answer = allNamespaces ? c.allTasks() : c.tasks(t.ns());
            List<JsonNode> tasks = new ArrayList<>();
            answer.forEach(task -> {
                if (all || List.of("running", "paused", "pausing").contains(task.get("status").asString())
                        || task.path("service").path("state").asString("").equals("restarting")) {
                    tasks.add(task);
                }
            });
            if (t.json) {
                ArrayNode shown = JSON.createArrayNode();
                tasks.forEach(shown::add);
                System.out.println(JSON.writeValueAsString(shown));
            } else if (quiet) {
                tasks.forEach(task -> System.out.println(task.get("id").asString()));
            } else if (format.equals("json")) {
                tasks.forEach(task -> System.out.println(JSON.writeValueAsString(task)));
            } else {
                PsTable.print(System.out, tasks, allNamespaces, noTrunc, java.time.Instant.now());
            }
        }
    }

    static ObjectNode spec(String id, List<String> command, List<String> env, String cwd, String user) {
        ObjectNode spec = JSON.createObjectNode().put("id", id);
        ObjectNode process = spec.putObject("process");
        ArrayNode args = process.putArray("args");
        command.forEach(args::add);
        ObjectNode vars = process.putObject("env");
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw overseer.core.OverseerException.invalidField("--env", "expected NAME=VALUE, got \"%s\"", kv);
            }
            vars.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (cwd != null) {
            process.put("cwd", cwd);
        }
        if (user != null) {
            process.put("user", user);
        }
        return spec;
    }

    /** A verb on one task: the daemon's answer printed as JSON with --json, else {@link #human}. */
    abstract static class OnTask implements Runnable {
        @Mixin
        Target t;

        @Parameters(paramLabel = "ID", description = "Task id.")
        String id;

        abstract JsonNode call(OverseerClient client);

        void human(JsonNode answer) {
        }

        @Override
        public void run() {
            OverseerClient client = t.client();
            id = Ids.resolve(client, t.ns(), id);
            JsonNode answer = call(client);
            t.print(answer, () -> human(answer));
        }
    }

    @Command(name = "reload", description = "Read the daemon's service files again and apply the difference.",
            mixinStandardHelpOptions = true)
    static final class Reload implements Runnable {
        @Mixin
        Target t;

        @Override
        public void run() {
            JsonNode r = t.client().reload();
            t.print(r, () -> {
                for (String what : new String[]{"started", "restarted", "stopped", "unchanged"}) {
                    r.get(what).forEach(n -> System.out.println(what + " " + n.asString()));
                }
                r.get("failed").properties().forEach(f -> System.out.println("failed " + f.getKey() + ": " + f.getValue().asString()));
            });
        }
    }

    @Command(name = "stop", description = "Stop a task: its stop signal, SIGKILL after the grace; no restart policy starts it again.",
            mixinStandardHelpOptions = true)
    static final class Stop extends OnTask {
        @Option(names = {"-t", "--time"}, paramLabel = "DURATION",
                description = "Grace before SIGKILL, instead of the task's own: seconds (docker's 10) or 500ms, 30s, 2m.")
        String time;

        @Override
        JsonNode call(OverseerClient client) {
            return time == null ? client.stop(t.ns(), id) : client.stop(t.ns(), id, grace("--time", time));
        }

        @Override
        void human(JsonNode task) {
            System.out.println(id);
        }
    }

    @Command(name = "restart", description = "Stop a task, then start a new run of it.", mixinStandardHelpOptions = true)
    static final class Restart extends OnTask {
        @Option(names = {"-t", "--time"}, paramLabel = "DURATION",
                description = "Grace of the stop before SIGKILL, instead of the task's own: seconds or 500ms, 30s, 2m.")
        String time;

        @Override
        JsonNode call(OverseerClient client) {
            return time == null ? client.restart(t.ns(), id) : client.restart(t.ns(), id, grace("--time", time));
        }

        @Override
        void human(JsonNode task) {
            System.out.println(task.get("pid").asLong());
        }
    }

    @Command(name = "start", description = "Start a created task, or a new run of a stopped service.", mixinStandardHelpOptions = true)
    static final class Start implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target t;

        @Option(names = {"-a", "--attach"}, description = "Stay, print its output, and exit with its exit code (docker start -a).")
        boolean attach;

        @Parameters(paramLabel = "ID", description = "Task id or unique prefix.")
        String id;

        @Override
        public Integer call() {
            OverseerClient c = t.client();
            String task = Ids.resolve(c, t.ns(), id);
            JsonNode started = c.start(t.ns(), task);
            if (!attach) {
                t.print(started, () -> System.out.println(started.get("pid").asLong()));
                return 0;
            }
            Logs.both(c, t.ns(), task, true, -1);
            JsonNode exit = overseer.wire.SpecJson.exit(c.await(t.ns(), task, Duration.ofMinutes(10)));
            if (t.json) {
                System.out.println(JSON.writeValueAsString(exit));
            }
            return exit.get("exitCode").asInt();
        }
    }

    @Command(name = "kill", description = "Send a signal to a task (all its processes unless --init-only).", mixinStandardHelpOptions = true)
    static final class Kill implements Runnable {
        @Mixin
        Target t;

        @Option(names = {"-s", "--signal"}, defaultValue = "SIGTERM", completionCandidates = Candidates.Signals.class, description = "Signal (default: ${DEFAULT-VALUE}).")
        String signal;

        @Option(names = "--init-only", description = "Signal only the init process.")
        boolean initOnly;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public void run() {
            OverseerClient c = t.client();
            JsonNode task = c.kill(t.ns(), Ids.resolve(c, t.ns(), id), signal, !initOnly);
            t.print(task, () -> { });
        }
    }

    @Command(name = "pause", description = "Freeze every process of a task.", mixinStandardHelpOptions = true)
    static final class Pause extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.pause(t.ns(), id);
        }
    }

    @Command(name = "resume", description = "Thaw a paused task.", mixinStandardHelpOptions = true)
    static final class Resume extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.resume(t.ns(), id);
        }
    }

    @Command(name = "rm", description = "Delete tasks (stopped ones; running ones too with -f).", mixinStandardHelpOptions = true)
    static final class Rm implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target t;

        @Option(names = {"-f", "--force"}, description = "Stop a running task first (SIGKILL, no grace), as docker rm -f.")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "ID", description = "Task ids or unique prefixes.")
        List<String> ids;

        /** docker's way: each id is tried, the errors are printed, and the exit code says whether any failed. */
        @Override
        public Integer call() {
            OverseerClient c = t.client();
            int failed = 0;
            ArrayNode answers = JSON.createArrayNode();
            for (String given : ids) {
                try {
                    String id = Ids.resolve(c, t.ns(), given);
                    if (force) {
                        c.stop(t.ns(), id, Duration.ZERO);
                    }
                    answers.add(c.delete(t.ns(), id));
                    if (!t.json) {
                        System.out.println(id);
                    }
                } catch (overseer.core.OverseerException e) {
                    System.err.println("overseer rm: " + given + ": " + e.getMessage());
                    failed++;
                }
            }
            if (t.json) {
                System.out.println(JSON.writeValueAsString(answers));
            }
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "inspect", description = "Show a task.", mixinStandardHelpOptions = true)
    static final class Inspect extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.task(t.ns(), id);
        }

        @Override
        void human(JsonNode task) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(task));
        }
    }

    @Command(name = "top", description = "List the processes of a task.", mixinStandardHelpOptions = true)
    static final class Top implements Runnable {
        @Mixin
        Target t;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public void run() {
            OverseerClient c = t.client();
            JsonNode pids = c.pids(t.ns(), Ids.resolve(c, t.ns(), id));
            t.print(pids, () -> {
                // docker top's columns. The daemon is on this host (a Unix socket), so /proc tells the rest.
                List<List<String>> rows = new ArrayList<>();
                rows.add(List.of("UID", "PID", "PPID", "TIME", "CMD"));
                pids.forEach(p -> rows.add(topRow(p.get("pid").asLong(), p.get("command").asString())));
                int[] w = new int[4];
                rows.forEach(r -> { for (int i = 0; i < 4; i++) { w[i] = Math.max(w[i], r.get(i).length()); } });
                rows.forEach(r -> System.out.printf("%-" + w[0] + "s  %" + w[1] + "s  %" + w[2] + "s  %" + w[3] + "s  %s%n",
                        r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)));
            });
        }
    }

    @Command(name = "exec", description = "Run an extra process in a running task (-it: with a terminal, attached); exits with its code.",
            mixinStandardHelpOptions = true)
    static final class Exec implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target t;

        @Option(names = "--exec-id", paramLabel = "NAME", description = "Its id within the task (default: a random one).")
        String execId;

        @Mixin
        NewProcess p;

        @Option(names = {"-t", "--tty"}, description = "Give the process a terminal and attach to it.")
        boolean tty;

        @Option(names = {"-i", "--interactive"}, description = "Send this process's stdin to it (with -t: this terminal's keys).")
        boolean interactive;

        @Override
        public Integer call() throws Exception {
            String name = execId != null ? execId : "exec-" + Long.toHexString(System.nanoTime());
            OverseerClient c = t.client();
            ObjectNode process = p.inTask(c, t.ns(), name);
            if (tty) {
                process.put("terminal", true);
                return Terminal.exec(c, t.ns(), p.id, name, process, interactive);
            }
            Signals.handle(Signals::asTheJvmWould); // held until now, see Main
            JsonNode exit;
            if (interactive) {
                process.put("stdin", "pipe"); // `exec -i db psql < dump.sql`: this stdin, to its end
                exit = Terminal.execWithInput(c, t.ns(), p.id, name, process);
            } else {
                c.exec(t.ns(), p.id, name, process);
                exit = c.awaitExec(t.ns(), p.id, name, Duration.ofMinutes(10));
            }
            c.logs(t.ns(), p.id, name, "stdout", false, System.out);
            c.logs(t.ns(), p.id, name, "stderr", false, System.err);
            t.print(exit, () -> { });
            return exit.get("exitCode").asInt();
        }
    }

    @Command(name = "update", description = "Change the limits of a task (containerd's Update).", mixinStandardHelpOptions = true)
    static final class Update extends OnTask {
        @Mixin
        ResourceFlags limits = new ResourceFlags();

        @Override
        JsonNode call(OverseerClient client) {
            return client.update(t.ns(), id, overseer.wire.SpecJson.resources(limits.resources()));
        }
    }

    @Command(name = "wait", description = "Wait for a task to exit; exits with its exit code.", mixinStandardHelpOptions = true)
    static final class Wait implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target t;

        @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DURATION",
                description = "Wait at most this long, e.g. 500ms, 30s, 2m (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            Duration limit = overseer.core.Durations.parse("--timeout", timeout);
            OverseerClient c = t.client();
            JsonNode exit = overseer.wire.SpecJson.exit(c.await(t.ns(), Ids.resolve(c, t.ns(), id), limit));
            t.print(exit, () -> System.out.println(exitWords(exit)));
            return exit.get("exitCode").asInt();
        }
    }

    @Command(name = "logs", description = "Print a task's output: its stdout on stdout and its stderr on stderr, as docker logs.",
            mixinStandardHelpOptions = true)
    static final class Logs implements Runnable {
        @Mixin
        Target t;

        @Option(names = {"-f", "--follow"}, description = "Keep printing until the task stops.")
        boolean follow;

        @Option(names = "--stdout", description = "Only the task's stdout.")
        boolean stdoutOnly;

        @Option(names = "--tail", paramLabel = "N", defaultValue = "all",
                description = "Only the last N lines of each stream, then what follows (default: ${DEFAULT-VALUE}).")
        String tail;

        @Option(names = "--stderr", description = "Only the task's stderr.")
        boolean stderrOnly;

        @Parameters(paramLabel = "ID", description = "Task id or unique prefix.")
        String id;

        @Override
        public void run() {
            long lines = tail.equals("all") ? -1 : tail.matches("\\d{1,9}") ? Long.parseLong(tail) : -2;
            if (lines == -2) {
                throw overseer.core.OverseerException.invalidField("--tail", "expected a number of lines or all, got \"%s\"", tail);
            }
            OverseerClient c = t.client();
            String task = Ids.resolve(c, t.ns(), id);
            if (stdoutOnly != stderrOnly) {
                c.logs(t.ns(), task, null, stdoutOnly ? "stdout" : "stderr", follow, lines, System.out);
                return;
            }
            both(c, t.ns(), task, follow, lines);
        }

        /** Both streams, each to its own: followed side by side, so that they interleave as the task writes them. */
        static void both(OverseerClient c, String namespace, String task, boolean follow, long tail) {
            Thread err = Thread.ofVirtual().start(() -> c.logs(namespace, task, null, "stderr", follow, tail, System.err));
            c.logs(namespace, task, null, "stdout", follow, tail, System.out);
            try {
                err.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Command(name = "events", description = "Print events as they happen (one JSON object per line).", mixinStandardHelpOptions = true)
    static final class Events implements Runnable {
        @Mixin
        Target t;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Only these topics; '/tasks/*' matches a prefix (repeatable).")
        List<String> topics = new ArrayList<>();

        @Option(names = "--all-namespaces", description = "Events of every namespace.")
        boolean all;

        @Override
        public void run() {
            t.client().events(topics, all ? null : t.ns(), e -> {
                System.out.println(JSON.writeValueAsString(e));
                System.out.flush();
                return true;
            });
        }
    }

    /** One process as `ps -f` shows it: its user, pid, parent, CPU time (hh:mm:ss) and command line. */
    static List<String> topRow(long pid, String comm) {
        java.util.Optional<ProcessHandle> h = ProcessHandle.of(pid);
        ProcessHandle.Info info = h.map(ProcessHandle::info).orElse(null);
        String user = info == null ? "?" : info.user().orElse("?");
        String ppid = h.flatMap(ProcessHandle::parent).map(x -> Long.toString(x.pid())).orElse("?");
        long cpu = info == null ? 0 : info.totalCpuDuration().map(Duration::toSeconds).orElse(0L);
        String time = String.format("%02d:%02d:%02d", cpu / 3600, cpu / 60 % 60, cpu % 60);
        String cmd = info == null ? comm : info.commandLine().orElse(info.command().orElse(comm));
        return List.of(user, Long.toString(pid), ppid, time, cmd);
    }

    /** docker's bare seconds ("10"), or a duration of the one grammar ("500ms", "30s"). */
    static Duration grace(String flag, String text) {
        return text.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(text)) : overseer.core.Durations.parse(flag, text);
    }

    static String exitWords(JsonNode exit) {
        return exit.get("signal").isNull() ? "exit status " + exit.get("exitCode").asInt()
                : "signal: " + overseer.core.Signal.parse(exit.get("signal").asString()).words(); // Go's words, as Exit prints
    }
}
