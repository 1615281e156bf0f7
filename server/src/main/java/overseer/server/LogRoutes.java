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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * GET /v1/namespaces/{ns}/tasks/{id}/logs?stream=stdout|stderr&follow=true: the task's output as kept: its
 * rotated files, oldest first, then the current one; with follow, what is appended afterwards too, until the
 * task has stopped and the file stops growing. Reads go through {@link LogRotation}, so a rotation while a
 * reader follows neither repeats nor skips a byte it could still read.
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
            default -> throw OverseerException.invalidField("stream", "expected stdout or stderr, got \"%s\"", stream);
        };
        boolean follow = Boolean.parseBoolean(req.query().first("follow").orElse("false"));
        OptionalLong tail = req.query().first("tail").asOptional().map(LogRoutes::tail).orElse(OptionalLong.empty());
        // ?exec=ID: the output of a process exec'd into the task.
        Optional<String> exec = req.query().first("exec").asOptional().map(e -> Identifiers.require("exec", e));
        overseer.core.TaskProcess process = exec.isPresent() ? task.process(exec.get()) : task;
        Path file = service.logDir(ns).resolve(task.id() + exec.map(e -> "." + e).orElse("") + suffix);
        res.header("Content-Type", "text/plain; charset=utf-8");
        LogRotation rotation = service.rotation();
        try (OutputStream out = res.outputStream()) {
            if (!Files.exists(file)) {
                return;
            }
            byte[] buf = new byte[64 * 1024];
            // Where the reader is in the stream's whole output: the file's own offset moves when its head is cut.
            long at;
            java.util.concurrent.locks.Lock shared = rotation.lock(file).readLock();
            shared.lock();
            try {
                // what was rotated out and is kept, oldest first, then the current file: no rotation in between;
                // with ?tail=N from where the last N lines begin
                List<Path> files = new ArrayList<>(rotation.rotated(file));
                files.add(file);
                Tail from = tail.isPresent() ? Tail.of(files, tail.getAsLong()) : new Tail(0, 0);
                for (int i = from.file(); i < files.size() - 1; i++) {
                    try (RandomAccessFile old = new RandomAccessFile(files.get(i).toFile(), "r")) {
                        old.seek(i == from.file() ? from.offset() : 0);
                        java.nio.channels.Channels.newInputStream(old.getChannel()).transferTo(out);
                    }
                }
                at = rotation.cut(file) + (from.file() == files.size() - 1 ? from.offset() : 0);
            } finally {
                shared.unlock();
            }
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                while (true) {
                    int n;
                    shared.lock();
                    try {
                        long pos = at - rotation.cut(file);
                        if (pos < 0) {
                            // cut from the head before this reader got to it: those bytes end the newest
                            // rotated file, unless a later rotation took them further
                            n = fromRotated(file, -pos, buf);
                            if (n <= 0) {
                                at -= pos; // rotated out for good: on from what is there
                                in.seek(0);
                                n = in.read(buf);
                            }
                        } else {
                            in.seek(pos);
                            n = in.read(buf);
                        }
                    } finally {
                        shared.unlock();
                    }
                    if (n > 0) {
                        out.write(buf, 0, n);
                        at += n;
                        continue;
                    }
                    out.flush();
                    boolean ended = process.status() == Status.STOPPED || process.status() == Status.DELETED
                            || process.status() == Status.CREATED;
                    if (!follow || (ended && at - rotation.cut(file) >= in.length())) {
                        return;
                    }
                    LockSupport.parkNanos(POLL_NANOS); // a file has no readiness to wait on; a short poll is enough
                }
            }
        } catch (IOException clientGone) {
            // the reader went away
        }
    }

    /** ?tail=N: a whole number of lines. */
    private static OptionalLong tail(String text) {
        if (!text.matches("\\d{1,9}")) {
            throw OverseerException.invalidField("tail", "expected a number of lines, got \"%s\"", text);
        }
        return OptionalLong.of(Long.parseLong(text));
    }

    /** Where the last lines begin: the index of a file in the kept sequence, and the offset in it. */
    record Tail(int file, long offset) {
        /** Scans back from the end of the last file for {@code lines} line starts (a final newline ends a line, starts none). */
        static Tail of(List<Path> files, long lines) throws IOException {
            if (lines == 0) {
                return new Tail(files.size() - 1, Files.size(files.getLast()));
            }
            byte[] buf = new byte[64 * 1024];
            long seen = 0;
            boolean last = true;
            for (int i = files.size() - 1; i >= 0; i--) {
                try (RandomAccessFile f = new RandomAccessFile(files.get(i).toFile(), "r")) {
                    long end = f.length();
                    while (end > 0) {
                        int n = (int) Math.min(buf.length, end);
                        f.seek(end - n);
                        f.readFully(buf, 0, n);
                        for (int j = n - 1; j >= 0; j--) {
                            if (buf[j] != '\n') {
                                last = false;
                                continue;
                            }
                            if (last) {
                                last = false; // the newline that ends the output
                                continue;
                            }
                            if (++seen >= lines) {
                                return new Tail(i, end - n + j + 1);
                            }
                        }
                        end -= n;
                    }
                } catch (java.io.FileNotFoundException gone) {
                    // rotated away meanwhile: nothing older to count
                }
            }
            return new Tail(0, 0);
        }
    }

    /** Up to buf.length of the last {@code missing} bytes of {@code file}'s newest rotated file; 0 if it has fewer. */
    private static int fromRotated(Path file, long missing, byte[] buf) throws IOException {
        Path newest = LogRotation.numbered(file, 1);
        try (RandomAccessFile r = new RandomAccessFile(newest.toFile(), "r")) {
            long size = r.length();
            if (size < missing) {
                return 0;
            }
            r.seek(size - missing);
            return r.read(buf, 0, (int) Math.min(buf.length, missing));
        } catch (java.io.FileNotFoundException gone) {
            return 0;
        }
    }
}
