package overseer.cli;

import overseer.core.Exit;
import overseer.core.Signal;
import overseer.supervisor.Diagnostics;
import overseer.supervisor.JobResult;
import tools.jackson.databind.json.JsonMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON shape of an {@link Exit}: exitCode, signal (name or null), signo or exit_status (exactly one, as
 * Lambda's events), oomKilled, exitedAt.
 */
final class ExitJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ExitJson() {
    }

    static Map<String, Object> fields(Exit exit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exitCode", exit.exitCode());
        m.put("signal", exit.signal().map(s -> s.name()).orElse(null));
        // Lambda's EventData: signo when a signal killed it, exit_status when it exited; never both
        exit.signal().ifPresentOrElse(s -> m.put("signo", s.number()), () -> m.put("exit_status", exit.exitCode()));
        m.put("oomKilled", exit.oomKilled());
        m.put("exitedAt", exit.exitedAt().toString());
        return m;
    }

    /**
     * The exit of a supervised run (the last exit-log entry), with the job's final state, its restarts and
     * its whole exit log.
     */
    static Map<String, Object> fields(Diagnostics.ExitLogEntry last, JobResult result, Diagnostics diagnostics) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exitCode", last.exitCode());
        m.put("signal", last.signal().orElse(null));
        last.signal().ifPresentOrElse(s -> m.put("signo", Signal.parse(s).number()),
                () -> m.put("exit_status", last.exitCode()));
        m.put("oomKilled", last.oomKilled());
        m.put("exitedAt", last.time().toString());
        m.put("state", result.state().name());
        m.put("restarts", diagnostics.resurrectionCount());
        m.put("exitLog", diagnostics.exitLog().stream().map(e -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("time", e.time().toString());
            x.put("state", e.state().name());
            x.put("exitCode", e.exitCode());
            x.put("signal", e.signal().orElse(null));
            x.put("oomKilled", e.oomKilled());
            x.put("message", e.message());
            return x;
        }).toList());
        return m;
    }

    static String write(Map<String, Object> fields) {
        return JSON.writeValueAsString(fields);
    }
}
