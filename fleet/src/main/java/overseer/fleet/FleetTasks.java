package overseer.fleet;

import overseer.core.OverseerException;
import overseer.supervisor.Command;
import overseer.supervisor.JobResult;
import overseer.supervisor.JobState;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How a {@link FleetNode} runs a command that is a task spec ({@link Submission#TASK}). */
final class FleetTasks {
    private FleetTasks() {
    }

    /** A task spec, run to its exit through the daemon's own API, so that the daemon persists it as any task. */
    static JobResult run(Optional<Path> daemonSocket, Command cmd) {
        long start = System.currentTimeMillis();
        if (daemonSocket.isEmpty()) {
            return new JobResult(cmd.id(), cmd.command(), "this node runs no daemon API: task specs are refused",
                    List.of("", ""), "", 0, JobState.UNKNOWN_CMD, 0, start, 0, List.of(), 0);
        }
        var c = new overseer.client.OverseerClient(daemonSocket.get());
        String ns = Submission.TASK_NAMESPACE;
        try {
            var spec = ((tools.jackson.databind.node.ObjectNode) cmd.arguments()).deepCopy();
            spec.put("id", cmd.id());
            c.createTask(ns, spec);
            c.start(ns, cmd.id());
            overseer.core.Exit exit;
            while (true) {
                try {
                    exit = c.await(ns, cmd.id(), Duration.ofSeconds(30));
                    break;
                } catch (OverseerException stillRunning) {
                    if (stillRunning.kind() != overseer.core.ErrorKind.UNAVAILABLE) {
                        throw stillRunning;
                    }
                }
            }
            String out = tail(c, ns, cmd.id(), "stdout");
            String err = tail(c, ns, cmd.id(), "stderr");
            c.delete(ns, cmd.id()); // its result is the fleet's now; a redelivery here may create it again
            return new JobResult(cmd.id(), cmd.command(), exit.toString(), List.of(out, err), "", 0,
                    exit.success() ? JobState.SUCCESS : JobState.ERROR, JobResult.code(exit), start,
                    System.currentTimeMillis() - start, List.of(), 0);
        } catch (OverseerException e) {
            return new JobResult(cmd.id(), cmd.command(), e.getMessage(), List.of("", ""), e.getMessage(), 0,
                    JobState.ERROR, e.kind() == overseer.core.ErrorKind.INVALID_ARGUMENT ? 400 : 500, start,
                    System.currentTimeMillis() - start, List.of(), 0);
        }
    }

    /** The last 4 KiB of a task's stream, as 0-core keeps the last lines of a job's. */
    private static String tail(overseer.client.OverseerClient c, String ns, String id, String stream) {
        var out = new java.io.ByteArrayOutputStream();
        c.logs(ns, id, stream, false, out);
        String s = out.toString(StandardCharsets.UTF_8).strip();
        return s.length() <= 4096 ? s : s.substring(s.length() - 4096);
    }
}
