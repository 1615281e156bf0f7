package overseer.server;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import overseer.core.Identifiers;
import overseer.core.OverseerException;
import overseer.core.Status;
import overseer.core.Task;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * GET /v1/namespaces/{ns}/tasks/{id}/logs?stream=stdout|stderr&follow=true: the task's output file as it is;
 * with follow, what is appended afterwards too, until the task has stopped and the file stops growing.
 */
final class LogRoutes implements HttpService {
    private static final long POLL_NANOS = 50_000_000;
    private final TaskService service;

    LogRoutes(TaskService service) {
        this.service = service;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{ns}/tasks/{id}/logs", this::logs);
    }

    private void logs(ServerRequest req, ServerResponse res) throws IOException {
        String ns = TaskRoutes.ns(req);
        Task task = service.tasks().get(ns, TaskRoutes.id(req));
        String stream = req.query().first("stream").orElse("stdout");
        String suffix = switch (stream) {
            case "stdout" -> ".out";
            case "stderr" -> ".err";
            default -> throw OverseerException.invalidArgument("stream: expected stdout or stderr, got \"%s\"", stream);
        };
        boolean follow = Boolean.parseBoolean(req.query().first("follow").orElse("false"));
        // ?exec=ID: the output of a process exec'd into the task.
        Optional<String> exec = req.query().first("exec").asOptional().map(e -> Identifiers.require("exec", e));
        overseer.core.Process process = exec.isPresent() ? task.process(exec.get()) : task;
        Path file = service.logDir(ns).resolve(task.id() + exec.map(e -> "." + e).orElse("") + suffix);
        res.header("Content-Type", "text/plain; charset=utf-8");
        try (OutputStream out = res.outputStream()) {
            if (!Files.exists(file)) {
                return;
            }
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                byte[] buf = new byte[8192];
                while (true) {
                    int n = in.read(buf);
                    if (n > 0) {
                        out.write(buf, 0, n);
                        continue;
                    }
                    out.flush();
                    boolean ended = process.status() == Status.STOPPED || process.status() == Status.DELETED
                            || process.status() == Status.CREATED;
                    if (!follow || (ended && in.getFilePointer() >= in.length())) {
                        return;
                    }
                    LockSupport.parkNanos(POLL_NANOS); // a file has no readiness to wait on; a short poll is enough
                }
            }
        } catch (IOException clientGone) {
            // the reader went away
        }
    }
}
