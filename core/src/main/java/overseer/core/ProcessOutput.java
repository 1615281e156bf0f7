package overseer.core;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The captured output of one process: bytes read from its pipes are framed into records, kept in a bounded
 * tail per stream, written to the rotating file if one is configured, and handed to every added sink.
 * A runtime feeds it from one reader thread per stream at a time.
 */
public final class ProcessOutput {
    private final Map<LogStream, Framer> framers = new EnumMap<>(LogStream.class);
    private final Map<LogStream, LogTail> tails = new EnumMap<>(LogStream.class);
    private final List<LogSink> sinks = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private int open;

    public ProcessOutput(ProcessSpec spec) {
        LogConfig cfg = spec.logs();
        for (LogStream s : LogStream.values()) {
            tails.put(s, new LogTail(cfg.tailRecords()));
        }
        if (spec.stdout() == Redirect.PIPE) {
            framers.put(LogStream.STDOUT, Framer.of(cfg.framing(), LogStream.STDOUT, this::dispatch));
        }
        if (spec.stderr() == Redirect.PIPE) {
            framers.put(LogStream.STDERR, Framer.of(cfg.framing(), LogStream.STDERR, this::dispatch));
        }
        open = framers.size();
        cfg.file().ifPresent(f -> sinks.add(new RotatingFileSink(f)));
        if (open == 0) {
            drained.complete(null);
        }
    }

    /** The streams that are piped to Overseer. */
    public List<LogStream> streams() {
        return List.copyOf(framers.keySet());
    }

    /** Adds a sink for records read from now on; add it before start to see everything. */
    public void addSink(LogSink sink) {
        sinks.add(sink);
    }

    public LogTail tail(LogStream stream) {
        return tails.get(stream);
    }

    /** Completes when every piped stream has reached end of file and its last record was delivered. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /** Called by the runtime's reader with bytes read from {@code stream}. */
    public void feed(LogStream stream, byte[] buf, int off, int len) {
        framers.get(stream).feed(buf, off, len);
    }

    /** Called by the runtime's reader when {@code stream} reached end of file. */
    public void closed(LogStream stream) {
        framers.get(stream).finish();
        boolean last;
        synchronized (this) {
            last = --open == 0;
        }
        if (last) {
            try {
                for (LogSink s : sinks) {
                    try {
                        s.close();
                    } catch (RuntimeException e) {
                        // one sink failing to flush must not keep the others open, nor hide the end of output
                    }
                }
            } finally {
                drained.complete(null);
            }
        }
    }

    private void dispatch(LogRecord r) {
        tails.get(r.stream()).accept(r);
        for (LogSink s : sinks) {
            try {
                s.accept(r);
            } catch (RuntimeException e) {
                // A failing sink must not stop capture for the others, nor the process.
                sinks.remove(s);
            }
        }
    }
}
