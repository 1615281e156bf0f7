package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.OverseerException;
import overseer.wire.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * `overseer stats [ID...]`, docker's: a table of what each running task uses, refreshed every second until
 * Ctrl-C (--no-stream: one table). CPU % is over the last interval, as docker's; sizes in binary units.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "A live table of what tasks use: CPU %, memory, pids (every running task, or those named).")
final class StatsCommand implements Runnable {
    static final long INTERVAL_MS = 1000;

    @Mixin
    ClientCommands.Target t;

    @Option(names = "--no-stream", description = "Print one table and exit.")
    boolean noStream;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Task ids or unique prefixes (default: every running task).")
    List<String> ids = new ArrayList<>();

    /** One task's counters at one moment. */
    private record Sample(String id, JsonNode stats, long atNs) {
    }

    @Override
    public void run() {
        OverseerClient c = t.client();
        List<String> named = new ArrayList<>();
        ids.forEach(given -> named.add(Ids.resolve(c, t.ns(), given)));
        if (t.json) {
            // the daemon's counters as they are, one object per task
            ArrayNode out = Json.MAPPER.createArrayNode();
            sample(c, named).forEach(s -> out.add(Json.object().put("id", s.id()).set("stats", s.stats())));
            System.out.println(Json.write(named.size() == 1 ? out.get(0).get("stats") : out));
            return;
        }
        boolean terminal = System.console() != null;
        Map<String, Sample> previous = new HashMap<>();
        sample(c, named).forEach(s -> previous.put(s.id(), s));
        while (true) {
            sleep();
            List<Sample> now = sample(c, named);
            if (terminal && !noStream) {
                System.out.print("\033[2J\033[H");
            }
            print(System.out, now, previous);
            System.out.flush();
            if (noStream) {
                return;
            }
            previous.clear();
            now.forEach(s -> previous.put(s.id(), s));
        }
    }

    private List<Sample> sample(OverseerClient c, List<String> named) {
        List<String> which = new ArrayList<>(named);
        if (which.isEmpty()) {
            c.tasks(t.ns()).forEach(task -> {
                if (task.get("status").asString().equals("running")) {
                    which.add(task.get("id").asString());
                }
            });
        }
        List<Sample> out = new ArrayList<>();
        for (String id : which) {
            try {
                out.add(new Sample(id, c.stats(t.ns(), id), System.nanoTime()));
            } catch (OverseerException gone) {
                if (named.contains(id)) {
                    throw gone;
                }
                // it stopped between the list and the read: not shown this round
            }
        }
        return out;
    }

    static void print(PrintStream out, List<Sample> now, Map<String, Sample> previous) {
        int idWidth = Math.max(2, now.stream().mapToInt(s -> s.id().length()).max().orElse(2));
        String row = "%-" + idWidth + "s   %7s   %-21s   %7s   %s%n";
        out.printf(row, "ID", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS");
        for (Sample s : now) {
            Sample before = previous.get(s.id());
            double cpu = before == null || s.atNs() == before.atNs() ? 0
                    : 100.0 * (s.stats().get("cpuUsageNs").asLong() - before.stats().get("cpuUsageNs").asLong())
                    / (s.atNs() - before.atNs());
            long used = s.stats().get("memoryUsageBytes").asLong();
            long limit = s.stats().get("memoryLimitBytes").asLong();
            out.printf(row, s.id(), String.format(Locale.ROOT, "%.2f%%", Math.max(0, cpu)),
                    Human.bytes(used) + " / " + (limit < 0 ? "unlimited" : Human.bytes(limit)),
                    limit <= 0 ? "--" : String.format(Locale.ROOT, "%.2f%%", 100.0 * used / limit),
                    s.stats().get("pids").asLong());
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(INTERVAL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw OverseerException.unavailable("stats: interrupted");
        }
    }
}
