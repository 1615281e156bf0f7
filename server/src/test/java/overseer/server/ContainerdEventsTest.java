package overseer.server;

import org.junit.jupiter.api.Test;
import overseer.core.Event;
import overseer.core.Exit;
import overseer.core.Signal;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The task events' payloads carry containerd v1.3's fields (api/events/task.proto) beside Overseer's own. */
class ContainerdEventsTest {
    private static final Instant AT = Instant.parse("2026-12-01T10:00:00.250Z");

    /** containerd api/events/task.proto, message TaskExit {container_id, id, pid, exit_status, exited_at}. */
    @Test
    void taskExitCarriesTaskExitFieldsAsContainerdDoes() {
        ObjectNode init = EventRoutes.payload(new Event.TaskExit("web", "web", 42, Exit.exited(3, AT)));
        assertThat(init.get("container_id").asString()).isEqualTo("web");
        assertThat(init.get("id").asString()).isEqualTo("web");
        assertThat(init.get("pid").asLong()).isEqualTo(42);
        assertThat(init.get("exit_status").asInt()).isEqualTo(3);
        assertThat(init.get("exited_at").asString()).isEqualTo("2026-12-01T10:00:00.250Z");
        assertThat(init.get("exit").get("exitCode").asInt()).isEqualTo(3); // Overseer's own, beside them
        assertThat(init.get("execId").asString()).isEqualTo("web");

        // containerd's id is the process: an exec's exit names the exec, container_id the task.
        ObjectNode exec = EventRoutes.payload(new Event.TaskExit("web", "probe", 43,
                Exit.killed(Signal.SIGKILL, false, AT)));
        assertThat(exec.get("container_id").asString()).isEqualTo("web");
        assertThat(exec.get("id").asString()).isEqualTo("probe");
        assertThat(exec.get("exit_status").asInt()).isEqualTo(137); // containerd: 128 + signal
    }

    /** containerd runtime/v2/shim.go: an exit whose status was lost is reported as 255. */
    @Test
    void anUnknownExitIs255AsContainerdDoes() {
        ObjectNode o = EventRoutes.payload(new Event.TaskExit("t", "t", 7, Exit.unknown(AT)));
        assertThat(o.get("exit_status").asInt()).isEqualTo(255);
        assertThat(o.get("exit").get("exitCode").asInt()).isEqualTo(-1);
    }

    /** api/events/task.proto: every task event names its task as container_id; exec events add exec_id. */
    @Test
    void everyTaskEventCarriesContainerIdAsContainerdDoes() {
        List<Event> all = List.of(new Event.TaskCreate("t", List.of("/bin/true")), new Event.TaskStart("t", 5),
                new Event.TaskExit("t", "t", 5, Exit.exited(0, AT)), new Event.TaskDelete("t", 5, Optional.of(Exit.exited(0, AT))),
                new Event.TaskExecAdded("t", "e"), new Event.TaskExecStarted("t", "e", 6), new Event.TaskPaused("t"),
                new Event.TaskResumed("t"), new Event.TaskOOM("t"), new Event.TaskCheckpointed("t", "/img"));
        for (Event e : all) {
            assertThat(EventRoutes.payload(e).get("container_id").asString()).as(e.topic()).isEqualTo("t");
        }
        assertThat(EventRoutes.payload(new Event.TaskExecStarted("t", "e", 6)).get("exec_id").asString()).isEqualTo("e");
        assertThat(EventRoutes.payload(new Event.TaskExecAdded("t", "e")).get("exec_id").asString()).isEqualTo("e");
        ObjectNode delete = EventRoutes.payload(new Event.TaskDelete("t", 5, Optional.of(Exit.exited(2, AT))));
        assertThat(delete.get("exit_status").asInt()).isEqualTo(2);
        assertThat(delete.get("exited_at").asString()).isEqualTo("2026-12-01T10:00:00.250Z");
    }
}
