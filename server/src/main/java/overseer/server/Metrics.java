package overseer.server;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.OverseerException;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.TaskStats;
import overseer.core.spi.TaskRuntime;

import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GET /metrics in the Prometheus text format (0.0.4), by its naming conventions: the daemon's gauges, and
 * per task (labels namespace, id) what `overseer stats` shows, its state, restarts, health and exits by code.
 */
final class Metrics implements HttpService {
    private final TaskService service;
    private final ApiRequests requests;

    Metrics(TaskService service, ApiRequests requests) {
        this.service = service;
        this.requests = requests;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::scrape);
    }

    private void scrape(ServerRequest req, ServerResponse res) {
        List<Task> all = service.tasks().list();
        Map<Status, Integer> byStatus = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            byStatus.put(s, 0);
        }
        all.forEach(t -> byStatus.merge(t.status(), 1, Integer::sum));
        Text b = new Text();
        b.help("overseer_tasks", "gauge", "Tasks by status.");
        byStatus.forEach((s, n) -> b.append("overseer_tasks{status=\"" + word(s) + "\"} " + n));
        b.help("overseer_event_subscribers", "gauge", "Subscribers of the event bus.");
        b.append("overseer_event_subscribers " + service.tasks().events().subscriberCount());
        b.help("overseer_event_bus_dropped_total", "counter",
                "Events a subscriber lost because its buffer was full (it got one EventLoss for each gap), by subscriber.");
        service.tasks().events().dropped().forEach((name, n) ->
                b.append("overseer_event_bus_dropped_total{subscriber=\"" + escape(name) + "\"} " + n));
        requests.durations().write(b.b);
        if (service.store() instanceof SqliteStateStore sqlite) {
            sqlite.writes().write(b.b);
        }
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        b.help("overseer_jvm_heap_used_bytes", "gauge", "Heap in use.");
        b.append("overseer_jvm_heap_used_bytes " + heap.getUsed());
        b.help("overseer_jvm_threads", "gauge", "Live JVM threads.");
        b.append("overseer_jvm_threads " + ManagementFactory.getThreadMXBean().getThreadCount());
        perTask(b, all);
        res.header("Content-Type", "text/plain; version=0.0.4").send(b.toString());
    }

    private void perTask(Text b, List<Task> all) {
        b.help("overseer_task_state", "gauge", "1 for the status the task is in.");
        for (Task t : all) {
            for (Status s : Status.values()) {
                b.append("overseer_task_state" + labels(t, "state", word(s)) + " " + (t.status() == s ? 1 : 0));
            }
        }
        // A family's samples come together, after its TYPE: restarts for every service, then health.
        Map<Task, Services.View> views = new java.util.LinkedHashMap<>();
        for (Task t : all) {
            try {
                views.put(t, service.services().view(t));
            } catch (OverseerException notAService) {
                // a job's task: the supervisor's, not a service
            }
        }
        b.help("overseer_task_restarts_total", "counter", "Restarts the task's restart policy made.");
        views.forEach((t, v) -> b.append("overseer_task_restarts_total" + labels(t) + " " + v.restarts()));
        b.help("overseer_task_healthy", "gauge", "1 when the task's health check passes, 0 when it fails (tasks with a check).");
        views.forEach((t, v) -> {
            if (v.health().equals("healthy") || v.health().equals("unhealthy")) {
                b.append("overseer_task_healthy" + labels(t) + " " + (v.health().equals("healthy") ? 1 : 0));
            }
        });
        b.help("overseer_task_oom_kills_total", "counter",
                "Processes of the task the kernel killed for memory since the daemon started, over all its runs.");
        for (Task t : all) {
            b.append("overseer_task_oom_kills_total" + labels(t) + " " + service.oomKills(t.namespace(), t.id()));
        }
        b.help("overseer_task_exits_total", "counter", "Exits of the task's init process since the daemon started, by exit code.");
        service.exitCounts().forEach((k, n) -> b.append("overseer_task_exits_total{namespace=\"" + escape(k.namespace())
                + "\",id=\"" + escape(k.id()) + "\",code=\"" + k.code() + "\"} " + n));
        if (!service.tasks().runtime().features().contains(TaskRuntime.Feature.STATS)) {
            return;
        }
        Map<Task, TaskStats> stats = new java.util.LinkedHashMap<>();
        for (Task t : all) {
            if (t.status() == Status.RUNNING || t.status() == Status.PAUSED) {
                try {
                    stats.put(t, t.stats());
                } catch (OverseerException gone) {
                    // it ended while we looked
                }
            }
        }
        for (Series series : STATS) {
            b.help(series.name(), series.type(), series.help());
            stats.forEach((t, st) -> {
                double v = series.value().applyAsDouble(st);
                if (!Double.isNaN(v)) {
                    b.append(series.name() + labels(t) + " " + v);
                }
            });
        }
    }

    /** A per-task series read from the runtime's counters; NaN leaves a task out (no limit, say). */
    private record Series(String name, String type, String help, java.util.function.ToDoubleFunction<TaskStats> value) {
    }

    private static final List<Series> STATS = List.of(
            new Series("overseer_task_cpu_seconds_total", "counter", "CPU time the task's processes used, user and system.",
                    s -> s.cpuUsageNs() / 1e9),
            new Series("overseer_task_memory_bytes", "gauge", "Memory the task uses now.", TaskStats::memoryUsageBytes),
            new Series("overseer_task_memory_peak_bytes", "gauge", "The most memory the task has used.",
                    TaskStats::memoryMaxUsageBytes),
            new Series("overseer_task_memory_limit_bytes", "gauge", "The task's memory limit (tasks with one).",
                    s -> s.memoryLimitBytes() < 0 ? Double.NaN : s.memoryLimitBytes()),
            new Series("overseer_task_pids", "gauge", "Processes and threads in the task.", TaskStats::pids));

    private static String labels(Task t, String... more) {
        StringBuilder l = new StringBuilder("{namespace=\"").append(escape(t.namespace())).append("\",id=\"")
                .append(escape(t.id())).append('"');
        for (int i = 0; i + 1 < more.length; i += 2) {
            l.append(',').append(more[i]).append("=\"").append(escape(more[i + 1])).append('"');
        }
        return l.append('}').toString();
    }

    /** The text format's label escapes: backslash, quote, newline. */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String word(Status s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    /** The exposition, line by line. */
    private static final class Text {
        final StringBuilder b = new StringBuilder();

        void help(String name, String type, String help) {
            b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ')
                    .append(type).append('\n');
        }

        void append(String line) {
            b.append(line).append('\n');
        }

        @Override
        public String toString() {
            return b.toString();
        }
    }
}
