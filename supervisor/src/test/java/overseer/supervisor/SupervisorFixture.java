package overseer.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A supervisor over the native runtime, closed after each test so nothing outlives it. */
abstract class SupervisorFixture {
    private static final AtomicInteger IDS = new AtomicInteger();
    protected Tasks tasks;
    protected Supervisor supervisor;

    @BeforeEach
    void startSupervisor() {
        tasks = new Tasks(new NativeRuntime());
        supervisor = new Supervisor(tasks);
    }

    @AfterEach
    void stopSupervisor() {
        try {
            supervisor.shutdown(java.time.Duration.ofSeconds(5));
        } finally {
            tasks.close();
        }
    }

    static String uniqueId(String prefix) {
        return prefix + "-" + IDS.incrementAndGet();
    }

    /** arguments for core.system running {@code /bin/sh -c script}. */
    static JsonNode sh(String script) {
        ObjectNode a = Commands.JSON.createObjectNode();
        a.put("name", "/bin/sh");
        ArrayNode args = a.putArray("args");
        args.add("-c");
        args.add(script);
        return a;
    }

    static Command shell(String id, String script) {
        return Command.system(id, sh(script));
    }

    static Command with(Command c, String queue, int maxTime, int maxRestart, int recurring, List<Integer> levels,
                        boolean protect) {
        return new Command(c.id(), c.command(), c.arguments(), queue, c.statsInterval(), maxTime, maxRestart, recurring,
                c.stream(), levels, c.tags(), protect);
    }
}
