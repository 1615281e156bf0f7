package overseer.server;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.Status;
import overseer.core.Task;
import overseer.core.Tasks;

import java.lang.management.ManagementFactory;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** GET /metrics: the daemon's gauges in the Prometheus text format (0.0.4). */
final class Metrics implements HttpService {
    private final Tasks tasks;

    Metrics(Tasks tasks) {
        this.tasks = tasks;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::scrape);
    }

    private void scrape(ServerRequest req, ServerResponse res) {
        Map<Status, Integer> byStatus = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            byStatus.put(s, 0);
        }
        for (Task t : tasks.list()) {
            byStatus.merge(t.status(), 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder();
        b.append("# HELP overseer_tasks Tasks by status.\n# TYPE overseer_tasks gauge\n");
        byStatus.forEach((s, n) -> b.append("overseer_tasks{status=\"").append(s.name().toLowerCase(Locale.ROOT))
                .append("\"} ").append(n).append('\n'));
        b.append("# HELP overseer_event_subscribers Subscribers of the event bus.\n# TYPE overseer_event_subscribers gauge\n")
                .append("overseer_event_subscribers ").append(tasks.events().subscriberCount()).append('\n');
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        b.append("# HELP overseer_jvm_heap_used_bytes Heap in use.\n# TYPE overseer_jvm_heap_used_bytes gauge\n")
                .append("overseer_jvm_heap_used_bytes ").append(heap.getUsed()).append('\n');
        b.append("# HELP overseer_jvm_threads Live JVM threads.\n# TYPE overseer_jvm_threads gauge\n")
                .append("overseer_jvm_threads ").append(ManagementFactory.getThreadMXBean().getThreadCount()).append('\n');
        res.header("Content-Type", "text/plain; version=0.0.4").send(b.toString());
    }
}
