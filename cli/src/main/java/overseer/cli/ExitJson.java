package overseer.cli;

import overseer.core.Exit;
import tools.jackson.databind.json.JsonMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shape of an {@link Exit}: exitCode, signal (name or null), signo, oomKilled, exitedAt. */
final class ExitJson {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ExitJson() {
    }

    static Map<String, Object> fields(Exit exit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exitCode", exit.exitCode());
        m.put("signal", exit.signal().map(s -> s.name()).orElse(null));
        m.put("signo", exit.signal().map(s -> s.number()).orElse(null));
        m.put("oomKilled", exit.oomKilled());
        m.put("exitedAt", exit.exitedAt().toString());
        return m;
    }

    static String write(Map<String, Object> fields) {
        return JSON.writeValueAsString(fields);
    }
}
