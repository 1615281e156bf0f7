package overseer.cli;

import tools.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * `overseer ps` as `docker ps` prints it: one row per task, columns as wide as their widest cell (a long id
 * never pushes the next column out of line), the status in docker's words ("Up 3 minutes", "Exited (137)
 * 2 minutes ago").
 */
final class PsTable {
    /** docker cuts the command at 20 characters unless --no-trunc. */
    static final int COMMAND_WIDTH = 20;

    private PsTable() {
    }

    static void print(PrintStream out, List<JsonNode> tasks, boolean namespaces, boolean noTrunc, Instant now) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("ID", "COMMAND", "CREATED", "STATUS", "RESTARTS", "PID"));
        if (namespaces) {
            header.addFirst("NAMESPACE");
        }
        rows.add(header);
        for (JsonNode t : tasks) {
            List<String> row = new ArrayList<>(List.of(t.get("id").asString(), command(t, noTrunc), created(t, now),
                    status(t, now), t.path("service").has("restarts") ? t.path("service").get("restarts").asString() : "",
                    t.get("pid").asLong() > 0 ? t.get("pid").asString() : ""));
            if (namespaces) {
                row.addFirst(t.get("namespace").asString());
            }
            rows.add(row);
        }
        int[] widths = new int[header.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + (widths[i] + 3) + "s", row.get(i)));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    static String command(JsonNode t, boolean noTrunc) {
        List<String> args = new ArrayList<>();
        t.path("args").forEach(a -> args.add(a.asString()));
        String c = String.join(" ", args);
        if (!noTrunc && c.length() > COMMAND_WIDTH) {
            c = c.substring(0, COMMAND_WIDTH - 1) + "…";
        }
        return "\"" + c + "\"";
    }

    static String created(JsonNode t, Instant now) {
        JsonNode at = t.path("createdAt");
        return at.isString() ? ago(Instant.parse(at.asString()), now) : "";
    }

    /** docker's STATUS column. */
    static String status(JsonNode t, Instant now) {
        JsonNode service = t.path("service");
        String state = service.path("state").asString("");
        JsonNode exit = t.path("exit");
        if (state.equals("restarting") && service.path("lastExits").size() > 0) {
            JsonNode last = service.path("lastExits").get(0);
            return "Restarting (" + last.get("exitCode").asInt() + ") " + ago(Instant.parse(last.get("exitedAt").asString()), now);
        }
        String words = switch (t.get("status").asString()) {
            case "created" -> "Created";
            case "running", "pausing" -> "Up" + since(service, now);
            case "paused" -> "Up" + since(service, now) + " (Paused)";
            default -> exit.isObject()
                    ? "Exited (" + exit.get("exitCode").asInt() + ") " + ago(Instant.parse(exit.get("exitedAt").asString()), now)
                    : "Exited";
        };
        if (state.equals("failed")) {
            return words + " (failed)";
        }
        String health = service.path("health").asString("none");
        if (!health.equals("none") && (t.get("status").asString().equals("running"))) {
            return words + " (" + health + ")";
        }
        return words;
    }

    private static String since(JsonNode service, Instant now) {
        JsonNode at = service.path("startedAt");
        return at.isString() ? " " + Human.duration(Duration.between(Instant.parse(at.asString()), now)) : "";
    }

    private static String ago(Instant at, Instant now) {
        return Human.duration(Duration.between(at, now)) + " ago";
    }
}
