package overseer.supervisor;

import overseer.core.OverseerException;
import overseer.core.ProcessStats;
import overseer.core.Signal;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Comparator;
import java.util.List;

/**
 * 0-core's job built-ins (base/builtin/job.go), registered on every supervisor:
 * <ul>
 *   <li>{@code job.list} {@code {"id"?}}: each live job (or the one named) as {@code {"cmd", "starttime", "cpu",
 *   "rss", "vms", "swap"}}, its process figures summed over the processes of its current run;</li>
 *   <li>{@code job.kill} {@code {"id", "signal"?}}: stops the job with the signal (SIGTERM unless given, by number
 *   as 0-core takes it or by name) to its process group, SIGKILL after its grace; true, or false when no live
 *   job has that id (0-core's answer, not an error);</li>
 *   <li>{@code job.killall}: stops every live job but the protected ones (and itself) with SIGTERM; true.</li>
 * </ul>
 */
final class JobBuiltIns {
    static final String LIST = "job.list";
    static final String KILL = "job.kill";
    static final String KILLALL = "job.killall";

    private JobBuiltIns() {
    }

    static void register(Supervisor supervisor) {
        CommandRegistry r = supervisor.registry();
        r.registerBuiltIn(LIST, cmd -> list(supervisor, cmd));
        r.registerBuiltIn(KILL, cmd -> kill(supervisor, cmd));
        r.registerBuiltIn(KILLALL, cmd -> {
            supervisor.killAll(Signal.SIGTERM, cmd.id());
            return true;
        });
    }

    private static ArrayNode list(Supervisor supervisor, Command cmd) {
        String id = text(cmd.arguments(), "id");
        List<Job> jobs;
        if (id.isEmpty()) {
            jobs = supervisor.jobs().values().stream().sorted(Comparator.comparing(Job::startTime)).toList();
        } else {
            Job j = supervisor.jobs().get(id);
            if (j == null) {
                throw JobError.notFound("Process with id '" + id + "' doesn't exist"); // 0-core's words
            }
            jobs = List.of(j);
        }
        ArrayNode out = Commands.JSON.createArrayNode();
        for (Job j : jobs) {
            List<ProcessStats> procs = j instanceof SupervisedJob s ? s.processStats() : List.of();
            ObjectNode o = out.addObject();
            o.set("cmd", Commands.JSON.readTree(Commands.toJson(j.command())));
            o.put("starttime", j.startTime().toEpochMilli());
            o.put("cpu", procs.stream().mapToDouble(ProcessStats::cpu).sum());
            o.put("rss", procs.stream().mapToLong(ProcessStats::rss).sum());
            o.put("vms", procs.stream().mapToLong(ProcessStats::vms).sum());
            o.put("swap", procs.stream().mapToLong(ProcessStats::swap).sum());
        }
        return out;
    }

    private static boolean kill(Supervisor supervisor, Command cmd) {
        String id = text(cmd.arguments(), "id");
        if (id.isEmpty()) {
            throw JobError.badRequest("arguments.id: must name the job to kill");
        }
        Signal signal = signal(cmd.arguments());
        Job j = supervisor.jobs().get(id);
        if (j == null || j.command().id().equals(cmd.id())) {
            return false;
        }
        j.kill(signal, j.options().stopGrace());
        return true;
    }

    private static Signal signal(JsonNode args) {
        JsonNode n = args == null ? null : args.get("signal");
        if (n == null || n.isNull() || (n.isIntegralNumber() && n.asInt() == 0)) {
            return Signal.SIGTERM; // 0-core: signal 0 (absent) means SIGTERM
        }
        try {
            if (n.isIntegralNumber() && n.canConvertToInt()) {
                return Signal.of(n.asInt());
            }
            if (n.isString()) {
                return Signal.parse(n.asString());
            }
        } catch (OverseerException e) {
            throw JobError.badRequest("arguments.signal: " + e.detail());
        }
        throw JobError.badRequest("arguments.signal: expected a signal number or name, got " + n);
    }

    private static String text(JsonNode args, String field) {
        JsonNode n = args == null ? null : args.get(field);
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isString()) {
            throw JobError.badRequest("arguments." + field + ": expected a string, got " + n);
        }
        return n.asString();
    }
}
