package overseer.cli;

import overseer.client.OverseerClient;
import overseer.server.Daemon;
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

    /** What create and exec take to describe a new process: its environment, its user, the task, the command. */
    static final class NewProcess {
        @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable (repeatable).")
        List<String> env = new ArrayList<>();

        @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user.")
        String user;

        @Parameters(index = "0", paramLabel = "ID", description = "Task id.")
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
    }

    /** Options every client verb shares. */
    static final class Target {
        @Option(names = "--socket", paramLabel = "PATH", description = "The daemon's socket (default: $OVERSEER_SOCKET or the daemon's default).")
        Path socket;

        @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace (default: ${DEFAULT-VALUE}).")
        String namespace;

        @Option(names = "--json", description = "Print the daemon's JSON answer.")
        boolean json;

        OverseerClient client() {
            String env = System.getenv("OVERSEER_SOCKET");
            Path s = socket != null ? socket : env != null && !env.isEmpty() ? Path.of(env) : Daemon.defaultSocket();
            return new OverseerClient(s);
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

    @Command(name = "ps", description = "List the tasks of a namespace.", mixinStandardHelpOptions = true)
    static final class Ps implements Runnable {
        @Mixin
        Target t;

        @Override
        public void run() {
            JsonNode tasks = t.client().tasks(t.namespace);
            t.print(tasks, () -> {
                System.out.printf("%-24s %-9s %-10s %-8s %-8s %-9s %-9s %s%n", "ID", "STATUS", "STATE", "RESTARTS", "PID",
                        "UPTIME", "HEALTH", "EXIT");
                for (JsonNode task : tasks) {
                    JsonNode s = task.path("service");
                    String health = s.path("health").asString("");
                    System.out.printf("%-24s %-9s %-10s %-8s %-8d %-9s %-9s %s%n", task.get("id").asString(),
                            task.get("status").asString(), s.path("state").asString(""),
                            s.has("restarts") ? s.get("restarts").asString() : "", task.get("pid").asLong(),
                            uptime(task), health.equals("none") ? "" : health, task.has("exit") ? exitWords(task.get("exit")) : "");
                }
            });
        }

        /** How long the current run has lasted, docker's way ("3m", "2h"); empty when it is not running. */
        private static String uptime(JsonNode task) {
            JsonNode at = task.path("service").path("startedAt");
            if (!task.get("status").asString().equals("running") || !at.isString()) {
                return "";
            }
            Duration d = Duration.between(java.time.Instant.parse(at.asString()), java.time.Instant.now());
            return d.toDays() > 0 ? d.toDays() + "d" : d.toHours() > 0 ? d.toHours() + "h"
                    : d.toMinutes() > 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
        }
    }

    @Command(name = "create", description = "Create a task (it starts with `start`).", mixinStandardHelpOptions = true)
    static final class Create implements Runnable {
        @Mixin
        Target t;

        @Mixin
        NewProcess p;

        @Option(names = {"-w", "--cwd"}, paramLabel = "DIR", description = "Working directory.")
        String cwd;

        @Override
        public void run() {
            JsonNode created = t.client().createTask(t.namespace, spec(p.id, p.command, p.env, cwd, p.user));
            t.print(created, () -> System.out.println(p.id));
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
                throw overseer.core.OverseerException.invalidArgument("--env: expected NAME=VALUE, got \"%s\"", kv);
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
            JsonNode answer = call(t.client());
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
        @Override
        JsonNode call(OverseerClient client) {
            return client.stop(t.namespace, id);
        }

        @Override
        void human(JsonNode task) {
            System.out.println(id);
        }
    }

    @Command(name = "restart", description = "Stop a task, then start a new run of it.", mixinStandardHelpOptions = true)
    static final class Restart extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.restart(t.namespace, id);
        }

        @Override
        void human(JsonNode task) {
            System.out.println(task.get("pid").asLong());
        }
    }

    @Command(name = "start", description = "Start a created task, or a new run of a stopped service.", mixinStandardHelpOptions = true)
    static final class Start extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.start(t.namespace, id);
        }

        @Override
        void human(JsonNode task) {
            System.out.println(task.get("pid").asLong());
        }
    }

    @Command(name = "kill", description = "Send a signal to a task (all its processes unless --init-only).", mixinStandardHelpOptions = true)
    static final class Kill implements Runnable {
        @Mixin
        Target t;

        @Option(names = {"-s", "--signal"}, defaultValue = "SIGTERM", description = "Signal (default: ${DEFAULT-VALUE}).")
        String signal;

        @Option(names = "--init-only", description = "Signal only the init process.")
        boolean initOnly;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public void run() {
            JsonNode task = t.client().kill(t.namespace, id, signal, !initOnly);
            t.print(task, () -> { });
        }
    }

    @Command(name = "pause", description = "Freeze every process of a task.", mixinStandardHelpOptions = true)
    static final class Pause extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.pause(t.namespace, id);
        }
    }

    @Command(name = "resume", description = "Thaw a paused task.", mixinStandardHelpOptions = true)
    static final class Resume extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.resume(t.namespace, id);
        }
    }

    @Command(name = "rm", description = "Delete a stopped task.", mixinStandardHelpOptions = true)
    static final class Rm extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.delete(t.namespace, id);
        }

        @Override
        void human(JsonNode exit) {
            System.out.println(id);
        }
    }

    @Command(name = "inspect", description = "Show a task.", mixinStandardHelpOptions = true)
    static final class Inspect extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.task(t.namespace, id);
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
            JsonNode pids = t.client().pids(t.namespace, id);
            t.print(pids, () -> {
                System.out.printf("%-8s %s%n", "PID", "COMMAND");
                pids.forEach(p -> System.out.printf("%-8d %s%n", p.get("pid").asLong(), p.get("command").asString()));
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
            ObjectNode process = (ObjectNode) spec(name, p.command, p.env, null, p.user).get("process");
            if (tty) {
                process.put("terminal", true);
                return Terminal.exec(c, t.namespace, p.id, name, process, interactive);
            }
            Signals.handle(Signals::asTheJvmWould); // held until now, see Main
            JsonNode exit;
            if (interactive) {
                process.put("stdin", "pipe"); // `exec -i db psql < dump.sql`: this stdin, to its end
                exit = Terminal.execWithInput(c, t.namespace, p.id, name, process);
            } else {
                c.exec(t.namespace, p.id, name, process);
                exit = c.awaitExec(t.namespace, p.id, name, Duration.ofMinutes(10));
            }
            c.logs(t.namespace, p.id, name, "stdout", false, System.out);
            c.logs(t.namespace, p.id, name, "stderr", false, System.err);
            t.print(exit, () -> { });
            return exit.get("exitCode").asInt();
        }
    }

    @Command(name = "stats", description = "Show what a task uses: CPU, memory, pids, and each process.", mixinStandardHelpOptions = true)
    static final class Stats extends OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.stats(t.namespace, id);
        }

        @Override
        void human(JsonNode s) {
            System.out.printf("cpu %.3f s  memory %d bytes (max %d, limit %s)  pids %d  oom kills %d%n",
                    s.get("cpuUsageNs").asLong() / 1e9, s.get("memoryUsageBytes").asLong(), s.get("memoryMaxUsageBytes").asLong(),
                    s.get("memoryLimitBytes").asLong() < 0 ? "none" : s.get("memoryLimitBytes").asString(),
                    s.get("pids").asLong(), s.get("oomKills").asLong());
            System.out.printf("%-8s %7s %12s %12s%n", "PID", "CPU%", "RSS", "VMS");
            s.get("processes").forEach(p -> System.out.printf("%-8d %7.1f %12d %12d%n", p.get("pid").asLong(),
                    p.get("cpu").asDouble(), p.get("rss").asLong(), p.get("vms").asLong()));
        }
    }

    @Command(name = "update", description = "Change the limits of a task (containerd's Update).", mixinStandardHelpOptions = true)
    static final class Update extends OnTask {
        @Mixin
        ResourceFlags limits = new ResourceFlags();

        @Override
        JsonNode call(OverseerClient client) {
            return client.update(t.namespace, id, overseer.wire.SpecJson.resources(limits.resources()));
        }
    }

    @Command(name = "wait", description = "Wait for a task to exit; exits with its exit code.", mixinStandardHelpOptions = true)
    static final class Wait implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Target t;

        @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait at most (default: ${DEFAULT-VALUE}).")
        long timeout;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            JsonNode exit = overseer.wire.SpecJson.exit(t.client().await(t.namespace, id, Duration.ofSeconds(timeout)));
            t.print(exit, () -> System.out.println(exitWords(exit)));
            return exit.get("exitCode").asInt();
        }
    }

    @Command(name = "logs", description = "Print a task's output.", mixinStandardHelpOptions = true)
    static final class Logs implements Runnable {
        @Mixin
        Target t;

        @Option(names = {"-f", "--follow"}, description = "Keep printing until the task stops.")
        boolean follow;

        @Option(names = "--stderr", description = "Print stderr instead of stdout.")
        boolean stderr;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public void run() {
            PrintStream out = System.out;
            t.client().logs(t.namespace, id, stderr ? "stderr" : "stdout", follow, out);
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
            t.client().events(topics, all ? null : t.namespace, e -> {
                System.out.println(JSON.writeValueAsString(e));
                System.out.flush();
                return true;
            });
        }
    }

    static String exitWords(JsonNode exit) {
        return exit.get("signal").isNull() ? "exit status " + exit.get("exitCode").asInt()
                : "signal: " + exit.get("signal").asString();
    }
}
