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

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The verbs that talk to a running daemon, ctr/docker style, and what they share: exec and update here, the ones
 * that change a task's state in {@link LifecycleVerbs}, the ones that look at tasks in {@link InspectionVerbs}.
 * Each takes --socket (or OVERSEER_SOCKET), --namespace and --json.
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

    /** docker's bare seconds ("10"), or a duration of the one grammar ("500ms", "30s"). */
    static Duration grace(String flag, String text) {
        return text.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(text)) : overseer.core.internal.Durations.parse(flag, text);
    }

    static String exitWords(JsonNode exit) {
        return exit.get("signal").isNull() ? "exit status " + exit.get("exitCode").asInt()
                : "signal: " + overseer.core.Signal.parse(exit.get("signal").asString()).words(); // Go's words, as Exit prints
    }
}
