package overseer.cli;

import overseer.core.internal.Durations;
import overseer.core.OverseerException;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import overseer.supervisor.Slice;
import overseer.supervisor.SliceFile;
import overseer.supervisor.ServiceChange;
import overseer.supervisor.ServiceStatus;
import overseer.supervisor.SliceRun;
import overseer.supervisor.SliceRunner;
import overseer.supervisor.Supervisor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code overseer slice FILE}: starts the services of a slice file (docs/slices.md) in dependency order and
 * prints each service's state as it changes, one line each: time, service, state, reason.
 * <p>
 * It runs in the foreground until one of:
 * <ul>
 *   <li>SIGINT (Ctrl-C) or SIGTERM: the slice is stopped in reverse dependency order, dependents first,
 *       each service waited for; exit 0, since the stop was asked for;</li>
 *   <li>a service fails (it exits unsuccessfully, is not ready in time, or cannot start; its dependents
 *       fail with it): the reasons are printed on stderr, the rest is stopped the same way; exit 1;</li>
 *   <li>every service has exited successfully (a slice of one-shots): exit 0.</li>
 * </ul>
 * A file that is not a valid slice is a usage error (exit 2) naming the field, and nothing starts.
 */
@Command(name = "slice", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start a slice of services in dependency order and supervise it in the foreground.")
public final class SliceCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--stop-grace", defaultValue = "10s", paramLabel = "DURATION",
            description = "On stop, how long each service has after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE}).")
    String stopGrace;

    @Option(names = "--prefix", defaultValue = SliceRunner.DEFAULT_PREFIX,
            description = "Job ids are this prefix plus the service name (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Parameters(index = "0", paramLabel = "FILE", description = "The slice file (YAML).")
    Path file;

    /** Why the slice ends; completed by a signal, a failure, or the end of the last service. */
    private final CompletableFuture<End> end = new CompletableFuture<>();

    private record End(String why, int exitCode) {
    }

    @Override
    public Integer call() throws Exception {
        Duration grace = duration("--stop-grace", stopGrace);
        Slice slice = SliceFile.read(file); // checked whole: a bad file starts nothing
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int width = slice.services().stream().mapToInt(s -> s.name().length()).max().orElse(0);
        AutoCloseable previous = Signals.on(List.of("INT", "TERM"), received -> stop());
        try (Tasks tasks = new Tasks(new NativeRuntime()); Supervisor supervisor = new Supervisor(tasks)) {
            Map<String, SliceRun.State> states = new HashMap<>(); // the listener's own view, one change at a time
            SliceRun run = new SliceRunner(supervisor, prefix).start(slice, change -> {
                print(out, width, change);
                states.put(change.service(), change.to());
                if (change.to() == SliceRun.State.FAILED) {
                    end.complete(new End("failed", 1));
                } else if (states.size() == slice.services().size()
                        && states.values().stream().allMatch(st -> st == SliceRun.State.EXITED)) {
                    end.complete(new End("every service exited", 0));
                }
            });
            End e = end.join();
            run.stop(grace);
            out.flush();
            if (e.exitCode() != 0) {
                for (ServiceStatus f : run.failures()) {
                    err.println("overseer: " + f.service() + " failed: " + f.reason());
                }
                err.flush();
            }
            return e.exitCode();
        } finally {
            previous.close();
        }
    }

    /** Stops the slice as SIGTERM would. */
    void stop() {
        end.complete(new End("stopped", 0));
    }

    private static void print(PrintWriter out, int width, ServiceChange c) {
        synchronized (out) {
            out.printf("%s  %-" + Math.max(width, 1) + "s  %-8s  %s%n", TIME.format(c.time()), c.service(), c.to(),
                    c.reason());
            out.flush();
        }
    }

    /** "500ms", "10s", "1m". */
    static Duration duration(String option, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(text.strip());
        if (!m.matches()) {
            throw OverseerException.invalidField(option, "expected a duration such as 500ms, 10s or 1m, got \"%s\"", text);
        }
        long v = Long.parseLong(m.group(1));
        return Durations.requireNonNegative(option, switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            default -> Duration.ofMinutes(v);
        });
    }
}
