package overseer.cli;

import overseer.core.OverseerException;
import overseer.fleet.Attempt;
import overseer.fleet.FleetClient;
import overseer.fleet.FleetResult;
import overseer.fleet.Heartbeat;
import overseer.supervisor.JobResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code overseer fleet submit|ls|nodes|logs}: a fleet's commands, from any machine that reaches its NATS servers. */
@Command(name = "fleet", mixinStandardHelpOptions = true, description = "Submit to a fleet and read its results (docs/fleet.md).",
        subcommands = {FleetCommand.Submit.class, FleetCommand.Ls.class, FleetCommand.Nodes.class, FleetCommand.Logs.class})
final class FleetCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a fleet verb is required: submit, ls, nodes or logs");
    }

    /** Which fleet: the flags, else $OVERSEER_FLEET and $OVERSEER_FLEET_NAME. */
    static final class Where {
        @Option(names = "--fleet", paramLabel = "nats://HOST:PORT[,…]", description = "The fleet's NATS servers (default: $OVERSEER_FLEET).")
        String fleet;

        @Option(names = "--fleet-name", paramLabel = "NAME", description = "The fleet (default: $OVERSEER_FLEET_NAME, else default).")
        String name;

        FleetClient client() {
            String servers = fleet != null ? fleet : System.getenv("OVERSEER_FLEET");
            if (servers == null || servers.isBlank()) {
                throw OverseerException.invalidField("--fleet", "name the fleet's servers, nats://HOST:PORT (or set OVERSEER_FLEET)");
            }
            String n = name != null ? name : System.getenv().getOrDefault("OVERSEER_FLEET_NAME", "default");
            return FleetClient.connect(FleetFlags.servers(servers), n);
        }
    }

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Submit a 0-core command (JSON, with an optional \"node\" selector) from FILE or - (stdin).")
    static final class Submit implements Callable<Integer> {
        @Mixin
        Where where;

        @Parameters(paramLabel = "FILE|-")
        String file;

        @Option(names = {"-w", "--wait"}, paramLabel = "SECONDS", description = "Wait this long for the result and print it.")
        int waitSeconds;

        @Override
        public Integer call() throws Exception {
            String json = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : read(Path.of(file));
            try (FleetClient c = where.client()) {
                FleetClient.Receipt r = c.submit(json);
                if (!r.accepted()) {
                    // As the supervisor answers a live id: 0-core's result, never run.
                    System.out.println("{\"id\":\"" + r.id() + "\",\"state\":\"DUPILICATE_ID\"}");
                    return 1;
                }
                if (waitSeconds <= 0) {
                    System.out.println(r.id());
                    return 0;
                }
                FleetResult res = c.await(r.id(), Duration.ofSeconds(waitSeconds)).orElseThrow(() ->
                        OverseerException.unavailable("--wait: %s has no result after %d s", r.id(), waitSeconds));
                System.out.println(res.json());
                return res.state().equals("SUCCESS") ? 0 : 1;
            }
        }

        private static String read(Path p) {
            try {
                return Files.readString(p);
            } catch (IOException e) {
                throw OverseerException.invalidField("FILE", "cannot read %s: %s", p, e.getMessage());
            }
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "The fleet's commands: node, state, attempts.")
    static final class Ls implements Runnable {
        @Mixin
        Where where;

        @Option(names = "--json", description = "One result per line, as the results bucket keeps it.")
        boolean json;

        @Override
        public void run() {
            try (FleetClient c = where.client()) {
                List<FleetResult> all = c.results();
                if (json) {
                    all.forEach(r -> System.out.println(r.json()));
                    return;
                }
                System.out.printf("%-38s %-14s %-12s %-8s %s%n", "ID", "NODE", "STATE", "CODE", "ATTEMPTS");
                for (FleetResult r : all) {
                    System.out.printf("%-38s %-14s %-12s %-8s %s%n", r.id(), r.node(), r.state(),
                            r.result().map(x -> String.valueOf(x.code())).orElse("-"),
                            r.attempts().stream().map(Attempt::node).collect(Collectors.joining(",")));
                }
            }
        }
    }

    @Command(name = "nodes", mixinStandardHelpOptions = true, description = "The nodes seen: heartbeat, load.")
    static final class Nodes implements Runnable {
        @Mixin
        Where where;

        @Override
        public void run() {
            try (FleetClient c = where.client()) {
                System.out.printf("%-16s %-20s %-8s %-10s %-10s %s%n", "NODE", "HOST", "PID", "LOAD", "HEARTBEAT", "TAGS");
                long now = System.currentTimeMillis();
                for (Heartbeat h : c.nodes()) {
                    System.out.printf("%-16s %-20s %-8d %-10s %-10s %s%n", h.node(), h.host(), h.pid(),
                            h.running().size() + "/" + h.slots(), String.format("%.1fs ago", (now - h.at()) / 1000.0),
                            String.join(",", h.tags()));
                }
            }
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = "A command's output as its result keeps it (the last lines of stdout, then of stderr).")
    static final class Logs implements Callable<Integer> {
        @Mixin
        Where where;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            try (FleetClient c = where.client()) {
                FleetResult r = c.result(id).orElseThrow(() -> OverseerException.notFound("ID: no fleet command \"%s\"", id));
                if (r.result().isEmpty()) {
                    System.err.println(id + " is running on " + r.node() + " since "
                            + Instant.ofEpochMilli(r.attempts().getLast().startedAt()) + "; its output comes with its result");
                    return 1;
                }
                JobResult jr = r.result().get();
                print(System.out, jr.streams().isEmpty() ? "" : jr.streams().get(0));
                print(System.err, jr.streams().size() < 2 ? "" : jr.streams().get(1));
                return 0;
            }
        }

        private static void print(java.io.PrintStream to, String s) {
            if (!s.isEmpty()) {
                to.print(s.endsWith("\n") ? s : s + "\n");
                to.flush();
            }
        }
    }
}
