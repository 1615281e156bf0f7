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

/** The client verbs that look at tasks: ps, inspect, top, wait, logs, events. */
final class InspectionVerbs {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private InspectionVerbs() {
    }

    @Command(name = "ps", description = "List tasks: the running ones, or every one with -a.", mixinStandardHelpOptions = true)
    static final class Ps implements Runnable {
        @Mixin
        ClientCommands.Target t;

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

    @Command(name = "inspect", description = "Show a task.", mixinStandardHelpOptions = true)
    static final class Inspect extends ClientCommands.OnTask {
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
        ClientCommands.Target t;

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

    @Command(name = "wait", description = "Wait for a task to exit; exits with its exit code.", mixinStandardHelpOptions = true)
    static final class Wait implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ClientCommands.Target t;

        @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DURATION",
                description = "Wait at most this long, e.g. 500ms, 30s, 2m (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            Duration limit = overseer.core.internal.Durations.parse("--timeout", timeout);
            OverseerClient c = t.client();
            JsonNode exit = overseer.wire.SpecJson.exit(c.await(t.ns(), Ids.resolve(c, t.ns(), id), limit));
            t.print(exit, () -> System.out.println(ClientCommands.exitWords(exit)));
            return exit.get("exitCode").asInt();
        }
    }

    @Command(name = "logs", description = "Print a task's output: its stdout on stdout and its stderr on stderr, as docker logs.",
            mixinStandardHelpOptions = true)
    static final class Logs implements Runnable {
        @Mixin
        ClientCommands.Target t;

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
        ClientCommands.Target t;

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
}
