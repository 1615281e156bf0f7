package overseer.supervisor;

import overseer.core.LogStream;
import overseer.core.LogTail;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Where one run's messages go: stdout and stderr to their tails, a critical message, statistics, the
 * result's data; then to the match hooks (each once a run, on the hook thread), the stream hooks and the
 * job's subscribers (filtered by log_levels). What is kept here becomes the run's {@link JobResult}.
 */
final class MessageRouter {
    private final Command cmd;
    private final JobOptions options;
    private final StatsAggregator stats;
    private final Executor hooks;
    private final List<Consumer<Message>> subscribers;
    /** The last lines, as bytes in reused slots: a flood of plain lines makes no String per line. */
    private final LogTail stdout;
    private final LogTail stderr;
    private final boolean streamHooks;
    private final List<JobHook.Match> unmatched;
    private String data = "";
    private int level;
    private String critical = "";

    MessageRouter(Command cmd, JobOptions options, StatsAggregator stats, Executor hooks,
                  List<Consumer<Message>> subscribers) {
        this.cmd = cmd;
        this.options = options;
        this.stats = stats;
        this.hooks = hooks;
        this.subscribers = subscribers;
        this.stdout = new LogTail(options.tailLines());
        this.stderr = new LogTail(options.tailLines());
        this.streamHooks = options.hooks().stream().anyMatch(JobHook.Stream.class::isInstance);
        this.unmatched = new CopyOnWriteArrayList<>(options.hooks().stream()
                .filter(JobHook.Match.class::isInstance).map(JobHook.Match.class::cast).toList());
    }

    synchronized void message(Message m) {
        switch (m.level()) {
            case Message.STDOUT -> tail(stdout, m.text());
            case Message.STDERR -> tail(stderr, m.text());
            case Message.CRITICAL -> critical = m.text();
            case Message.STATS -> StatsAggregator.parseStatsd(m.text())
                    .ifPresent(p -> stats.add(p.op(), p.key(), p.value(), p.tags()));
            default -> {
                if (Message.isResult(m.level())) {
                    data = m.text();
                    level = m.level();
                }
            }
        }
        for (JobHook.Match h : unmatched) {
            if (h.pattern().matcher(m.text()).find()) {
                unmatched.remove(h);
                hooks.execute(() -> h.action().accept(m));
            }
        }
        for (JobHook h : options.hooks()) {
            if (h instanceof JobHook.Stream s) {
                s.message(m);
            }
        }
        if (wanted(m.level())) {
            for (Consumer<Message> s : subscribers) {
                try {
                    s.accept(m);
                } catch (RuntimeException e) {
                    subscribers.remove(s); // a broken subscriber must not stop the job's output
                }
            }
        }
    }

    /** A message of {@code text} at {@code level}, stamped now (a built-in's, or the supervisor's own). */
    void message(int level, String text) {
        message(new Message(level, text, System.currentTimeMillis() * 1_000_000L));
    }

    private boolean wanted(int level) {
        return cmd.logLevels().isEmpty() || cmd.logLevels().contains(level);
    }

    private static void tail(LogTail q, String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        q.accept(Instant.EPOCH, LogStream.STDOUT, b, 0, b.length, false); // only the text is read back
    }

    /**
     * A plain line of stdout or stderr: it only joins the tail, as bytes, unless a match hook, a stream
     * hook or a subscriber wants its text, when it becomes a Message as any other.
     */
    void plain(int level, byte[] buf, int off, int len) {
        if (!unmatched.isEmpty() || streamHooks || (!subscribers.isEmpty() && wanted(level))) {
            message(LevelParser.message(level, new String(buf, off, len, StandardCharsets.UTF_8)));
            return;
        }
        // no lock of the router's: the tail has its own (and none at all when it keeps nothing)
        (level == Message.STDERR ? stderr : stdout).accept(Instant.EPOCH, LogStream.STDOUT, buf, off, len, false);
    }

    /** A built-in's return value, as the result's data. */
    synchronized void data(String json, int level) {
        this.data = json;
        this.level = level;
    }

    synchronized JobResult result(Instant start, JobState state, int code) {
        long startMs = start.toEpochMilli();
        return new JobResult(cmd.id(), cmd.command(), data,
                List.of(String.join("\n", stdout.lines()), String.join("\n", stderr.lines())), critical, level, state,
                code, startMs, System.currentTimeMillis() - startMs, cmd.tags(), 0);
    }
}
