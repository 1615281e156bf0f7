package overseer.cli;

import overseer.client.OverseerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The client verbs that change a task's state: start, stop, restart, kill, pause, resume, rm; and reload. */
final class LifecycleVerbs {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private LifecycleVerbs() {
    }

    @Command(name = "reload", description = "Read the daemon's service files again and apply the difference.",
            mixinStandardHelpOptions = true)
    static final class Reload implements Runnable {
        @Mixin
        ClientCommands.Target t;

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
    static final class Stop extends ClientCommands.OnTask {
        @Option(names = {"-t", "--time"}, paramLabel = "DURATION",
                description = "Grace before SIGKILL, instead of the task's own: seconds (docker's 10) or 500ms, 30s, 2m.")
        String time;

        @Override
        JsonNode call(OverseerClient client) {
            return time == null ? client.stop(t.ns(), id) : client.stop(t.ns(), id, ClientCommands.grace("--time", time));
        }

        @Override
        void human(JsonNode task) {
            System.out.println(id);
        }
    }

    @Command(name = "restart", description = "Stop a task, then start a new run of it.", mixinStandardHelpOptions = true)
    static final class Restart extends ClientCommands.OnTask {
        @Option(names = {"-t", "--time"}, paramLabel = "DURATION",
                description = "Grace of the stop before SIGKILL, instead of the task's own: seconds or 500ms, 30s, 2m.")
        String time;

        @Override
        JsonNode call(OverseerClient client) {
            return time == null ? client.restart(t.ns(), id) : client.restart(t.ns(), id, ClientCommands.grace("--time", time));
        }

        @Override
        void human(JsonNode task) {
            System.out.println(task.get("pid").asLong());
        }
    }

    @Command(name = "start", description = "Start a created task, or a new run of a stopped service.", mixinStandardHelpOptions = true)
    static final class Start implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ClientCommands.Target t;

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
            InspectionVerbs.Logs.both(c, t.ns(), task, true, -1);
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
        ClientCommands.Target t;

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
    static final class Pause extends ClientCommands.OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.pause(t.ns(), id);
        }
    }

    @Command(name = "resume", description = "Thaw a paused task.", mixinStandardHelpOptions = true)
    static final class Resume extends ClientCommands.OnTask {
        @Override
        JsonNode call(OverseerClient client) {
            return client.resume(t.ns(), id);
        }
    }

    @Command(name = "rm", description = "Delete tasks (stopped ones; running ones too with -f).", mixinStandardHelpOptions = true)
    static final class Rm implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ClientCommands.Target t;

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
}
