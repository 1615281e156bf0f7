package overseer.server;

import overseer.core.Exit;
import overseer.core.ProcessInfo;
import overseer.core.Task;
import overseer.core.TaskStats;
import overseer.wire.Json;
import overseer.wire.SpecJson;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

/** The API's responses, written from the core's values; requests are read by overseer-wire's {@link SpecJson}. */
final class ApiJson {
    private ApiJson() {
    }

    // --- responses --------------------------------------------------------------------------------------

    static ObjectNode task(Task t) {
        ObjectNode o = Json.object();
        o.put("namespace", t.namespace());
        o.put("id", t.id());
        o.put("status", t.status().word());
        o.put("pid", t.pid());
        ArrayNode args = o.putArray("args");
        t.spec().args().forEach(args::add);
        t.exit().ifPresent(e -> o.set("exit", exit(e)));
        ArrayNode execs = o.putArray("execs");
        t.execs().forEach(p -> execs.add(Json.object().put("id", p.id()).put("status", p.status().word()).put("pid", p.pid())));
        return o;
    }

    static ObjectNode exit(Exit e) {
        return SpecJson.exit(e);
    }

    /** A task with its supervision: what `ps` lists and `inspect` shows. */
    static ObjectNode task(Task t, Services.View v) {
        ObjectNode o = task(t);
        o.put("createdAt", v.createdAt().toString());
        ObjectNode s = o.putObject("service");
        s.put("state", v.state().word());
        s.put("restart", v.spec().supervision().restart().word());
        s.put("restarts", v.restarts());
        v.startedAt().ifPresent(at -> s.put("startedAt", at.toString()));
        v.nextRestartAt().ifPresent(at -> s.put("nextRestartAt", at.toString()));
        v.failure().ifPresent(f -> s.put("failure", f));
        s.put("health", v.health());
        ArrayNode past = s.putArray("lastExits");
        v.lastExits().forEach(e -> past.add(exit(e)));
        o.set("spec", SpecJson.write(v.spec()));
        return o;
    }

    static ObjectNode stats(TaskStats st) {
        ObjectNode o = Json.object();
        o.put("cpuUsageNs", st.cpuUsageNs()).put("cpuThrottledNs", st.cpuThrottledNs())
                .put("cpuThrottledPeriods", st.cpuThrottledPeriods()).put("memoryUsageBytes", st.memoryUsageBytes())
                .put("memoryMaxUsageBytes", st.memoryMaxUsageBytes()).put("memoryLimitBytes", st.memoryLimitBytes())
                .put("pids", st.pids()).put("oomKills", st.oomKills());
        ArrayNode procs = o.putArray("processes");
        st.processes().forEach(p -> procs.add(Json.object().put("pid", p.pid()).put("cpu", p.cpu()).put("rss", p.rss())
                .put("vms", p.vms()).put("swap", p.swap())));
        return o;
    }

    static ArrayNode pids(List<ProcessInfo> pids) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        pids.forEach(p -> a.add(Json.object().put("pid", p.pid()).put("command", p.command())));
        return a;
    }
}
