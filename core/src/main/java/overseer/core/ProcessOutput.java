package overseer.core;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The captured output of one process: bytes read from its pipes are framed into records, kept in a bounded
 * tail per stream, written to the rotating file if one is configured, and handed to every added sink.
 * A runtime feeds it from one reader thread per stream at a time.
 *
 * <p>Records travel as slices of the read buffer ({@link LogSink#accept(Instant, LogStream, byte[], int, int,
 * boolean)}): the tail and the file copy the bytes they keep, and a {@link LogRecord} is made only for a sink
 * that wants one. {@link ByteSink}s get the bytes as read, before framing.
 */
public final class ProcessOutput {
    private final Map<LogStream, Framer> framers = new EnumMap<>(LogStream.class);
    private final Map<LogStream, LogTail> tails = new EnumMap<>(LogStream.class);
    /**
     * Copied on change, read as arrays: a loop over a list makes an iterator per record, which the JIT the
     * CLI runs with (C1) does not take away.
     */
    private volatile LogSink[] sinks = new LogSink[0];
    private volatile ByteSink[] byteSinks = new ByteSink[0];
    /** The configured file; dropped at its first failure (a full disk), as a failing sink is. */
    private volatile RotatingFileSink file;
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
        file = cfg.file().map(RotatingFileSink::new).orElse(null);
        if (open == 0) {
            drained.complete(null);
        }
    }

    /** The streams that are piped to Overseer. */
    public List<LogStream> streams() {
        return List.copyOf(framers.keySet());
    }

    /** Adds a sink for records read from now on; add it before start to see everything. */
    public synchronized void addSink(LogSink sink) {
        LogSink[] more = java.util.Arrays.copyOf(sinks, sinks.length + 1);
        more[sinks.length] = sink;
        sinks = more;
    }

    private synchronized void remove(LogSink sink) {
        sinks = java.util.Arrays.stream(sinks).filter(s -> s != sink).toArray(LogSink[]::new);
    }

    /** Adds a sink for the bytes read from now on, exactly as read; add it before start to see everything. */
    public synchronized void addByteSink(ByteSink sink) {
        ByteSink[] more = java.util.Arrays.copyOf(byteSinks, byteSinks.length + 1);
        more[byteSinks.length] = sink;
        byteSinks = more;
    }

    private synchronized void remove(ByteSink sink) {
        byteSinks = java.util.Arrays.stream(byteSinks).filter(s -> s != sink).toArray(ByteSink[]::new);
    }

    public LogTail tail(LogStream stream) {
        return tails.get(stream);
    }

    /** Completes when every piped stream has reached end of file and its last record was delivered. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    /** Called by the runtime's reader with bytes read from {@code stream}; {@code buf} may be reused after. */
    public void feed(LogStream stream, byte[] buf, int off, int len) {
        for (ByteSink s : byteSinks) {
            try {
                s.write(stream, buf, off, len);
            } catch (RuntimeException e) {
                remove(s); // as for record sinks: one failing consumer does not stop capture
            }
        }
        framers.get(stream).feed(buf, off, len, Instant.now());
        endOfRead();
    }

    /** Called by the runtime's reader when {@code stream} reached end of file. */
    public void closed(LogStream stream) {
        framers.get(stream).finish();
        endOfRead();
        boolean last;
        synchronized (this) {
            last = --open == 0;
        }
        if (last) {
            try {
                RotatingFileSink f = file;
                for (LogSink s : f == null ? List.of(sinks) : concat(f, List.of(sinks))) {
                    try {
                        s.close();
                    } catch (RuntimeException e) {
                        // one sink failing to flush must not keep the others open, nor hide the end of output
                    }
                }
                for (ByteSink s : byteSinks) {
                    try {
                        s.close();
                    } catch (RuntimeException e) {
                        // as above
                    }
                }
            } finally {
                drained.complete(null);
            }
        }
    }

    private static List<LogSink> concat(LogSink first, List<LogSink> rest) {
        List<LogSink> all = new java.util.ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private void endOfRead() {
        RotatingFileSink f = file;
        if (f != null) {
            try {
                f.endOfRead();
            } catch (RuntimeException e) {
                dropFile();
            }
        }
    }

    /** The file is one consumer among others: capture goes on for the rest without it. */
    private synchronized void dropFile() {
        RotatingFileSink f = file;
        file = null;
        if (f != null) {
            try {
                f.close();
            } catch (RuntimeException e) {
                // it failed already; what it held is lost with it
            }
        }
    }

    private void dispatch(Instant time, LogStream stream, byte[] buf, int off, int len, boolean partial, boolean cr) {
        tails.get(stream).accept(time, stream, buf, off, len, partial);
        RotatingFileSink f = file;
        if (f != null) {
            try {
                f.line(time, stream, buf, off, len, partial, cr);
            } catch (RuntimeException e) {
                dropFile();
            }
        }
        for (LogSink s : sinks) {
            try {
                s.accept(time, stream, buf, off, len, partial);
            } catch (RuntimeException e) {
                // A failing sink must not stop capture for the others, nor the process.
                remove(s);
            }
        }
    }
}
