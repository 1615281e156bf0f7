package overseer.cli;

import overseer.core.Framing;
import overseer.core.LogConfig;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.PortableRuntime;
import overseer.core.ProcessSpec;
import overseer.core.Signal;
import overseer.core.Redirect;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.core.spi.TaskRuntime;
import overseer.core.Task;
import overseer.linux.ControllingTerminal;
import overseer.linux.NativeRuntime;
import overseer.supervisor.Diagnostics;
import overseer.supervisor.JobHook;
import overseer.supervisor.Job;
import overseer.supervisor.JobOptions;
import overseer.supervisor.JobResult;
import overseer.supervisor.JobSpec;
import overseer.supervisor.JobState;
import overseer.supervisor.Supervisor;
import overseer.wire.ServiceSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code overseer run [options] [--] CMD ARGS...}: one supervised process in the foreground. Its output is
 * captured and streamed; in a terminal it is the terminal's foreground group (or, with -t, on a terminal of
 * its own); every signal sent to Overseer is passed on to it ({@link SignalProxy});
 * Overseer exits with the process's exit code (128 + signal when a signal ended it: 137 for an OOM kill,
 * which {@code --json} shows as {@code "oomKilled": true}). docker's resource flags put the task in cgroups;
 * --restart, --timeout and --stop-signal supervise it as a job; --isolate runs it as an OCI container; -d
 * hands it to the daemon instead.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a command as a supervised task in the foreground.")
class RunCommand implements Callable<Integer> {
    @Option(names = "--id", description = "Task id (default: a random one).")
    String id;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace (default: default).")
    String namespace;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Set an environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--env-inherit", description = "Start from Overseer's own environment instead of an empty one.")
    boolean envInherit;

    @Option(names = {"-w", "--cwd"}, paramLabel = "DIR", description = "Working directory (default: the current one).")
    Path cwd;

    @Option(names = "--stdin", paramLabel = "inherit|null",
            description = "Where the command's stdin comes from (default: inherit; null with -d).")
    String stdin;

    @Option(names = "--framing", paramLabel = "line|message|raw",
            description = "How output is cut into records for --log-file and hooks (default: raw with -t, else line).")
    String framing;

    @Option(names = {"-t", "--tty"}, description = "Run the command on a terminal of its own (a pseudo-terminal), as docker run -t does.")
    boolean tty;

    @Option(names = {"-i", "--interactive"},
            description = "Send this terminal's input to the command's terminal (with -t; without it stdin is inherited anyway).")
    boolean interactive;

    @Option(names = "--log-file", paramLabel = "PATH", description = "Also write output records to this file (k8s-file format).")
    Path logFile;

    @Option(names = "--log-max-bytes", defaultValue = "10m", paramLabel = "SIZE",
            description = "Rotate the log file past this size, e.g. 50m (default: ${DEFAULT-VALUE}).")
    String logMaxBytes;

    @Option(names = "--log-max-files", defaultValue = "3", description = "Rotated log files to keep.")
    int logMaxFiles;

    @Option(names = "--runtime", defaultValue = "native", paramLabel = "native|portable",
            description = "Process runtime (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Option(names = "--json", description = "After the output, print the exit as one JSON object on stdout.")
    boolean json;

    @Mixin
    ResourceFlags limits = new ResourceFlags();

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]",
            description = "Run as this user and group (names or numbers); needs root.")
    String user;

    @Option(names = "--cgroup-parent", paramLabel = "PATH", defaultValue = NativeRuntime.Options.DEFAULT_PARENT,
            description = "Cgroup under which the task's cgroups are made (default: ${DEFAULT-VALUE}).")
    String cgroupParent;

    @Option(names = "--cgroup-root", paramLabel = "DIR", hidden = true,
            description = "The cgroup file system the native runtime uses (default: /sys/fs/cgroup), as for overseer info.")
    Path cgroupRoot;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (put them after --).")
    List<String> command;

    @Mixin
    SupervisionFlags supervision = new SupervisionFlags();

    @Mixin
    IsolationFlags isolation = new IsolationFlags();

    @Option(names = {"-d", "--detach"}, description = "Run the task on the daemon and print its id (see --socket).")
    boolean detach;

    @Option(names = {"-H", "--socket"}, paramLabel = "PATH", description = "The daemon's socket, with -d (default: $OVERSEER_SOCKET).")
    Path socket;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec verb;

    @Override
    public Integer call() throws Exception {
        String taskId = id == null ? "run-" + UUID.randomUUID() : id;
        String namespace = Globals.namespace(verb, this.namespace);
        overseer.core.internal.Sizes.parse("--log-max-bytes", logMaxBytes); // a malformed value is refused even when unused
        if (detach) {
            return Detached.run(Globals.socket(verb, socket), namespace, detached(taskId), json);
        }
        // The terminal is handed to the command only where Overseer can do job control: it reads its signals
        // (SIGCHLD tells it the command stopped) and has the terminal now (not started in the background).
        Optional<ControllingTerminal> terminal = Signals.reading() ? ControllingTerminal.open() : Optional.empty();
        boolean handOver = terminal.map(ControllingTerminal::inForeground).orElse(false) && !tty
                && !"null".equals(stdin) && runtime.equals("native") && !isolation.isolate;
        TaskSpec spec = task(taskId, spec());
        try (Tasks tasks = new Tasks(runtime(handOver ? terminal : Optional.empty()));
             Supervisor pm = new Supervisor(tasks, namespace);
             AutoCloseable raw = tty && interactive && terminal.isPresent() && ControllingTerminal.isTerminal(0)
                     ? terminal.get().raw() : () -> { }) {
            PrintStream out = System.out;
            PrintStream err = System.err;
            Job[] started = new Job[1];
            java.util.concurrent.CompletableFuture<Void> firstRun = new java.util.concurrent.CompletableFuture<>();
            // The output is shown as it comes and the result is not printed: no tail of it is kept in memory.
            JobOptions.Builder options = supervision.options().tailLines(0)
                    .hook(new JobHook.Bytes((stream, buf, off, len) -> pass(stream == LogStream.STDOUT ? out : err, buf, off, len)));
            if (tty) {
                // Each run's terminal gets this one's size as it starts, and this one's input (-i).
                options.hook(new JobHook.Pid(pid -> {
                    Optional.ofNullable(started[0]).ifPresent(j -> resize(j, terminal));
                    firstRun.complete(null);
                }));
            }
            // --timeout is not 0-core's max_time (whole seconds, then SIGKILL) but the options' stop sequence
            Job job = pm.run(JobSpec.builder(taskId).task(spec).command(c -> c.stream(true)).options(options.build()).build());
            started[0] = job;
            Supplier<Optional<Signal>> stoppedBy = SignalProxy.install(job, supervision.explicitStopSignal(),
                    job.options().stopGrace(), terminal, handOver, tty ? () -> resize(job, terminal) : null);
            if (tty) {
                resize(job, terminal);
                if (interactive) {
                    // Keys typed ahead of the start are kept for it: the first write waits for the first run.
                    Thread.ofPlatform().daemon().name("overseer-stdin").start(() -> forwardInput(job, firstRun));
                }
            }
            JobResult result = job.await();
            out.flush();
            err.flush();
            Optional<Diagnostics.ExitLogEntry> last = job.diagnostics().exitLog().stream().reduce((a, b) -> b);
            OptionalInt stoppedEarly = stoppedBeforeItRan(result, last, stoppedBy.get());
            if (stoppedEarly.isPresent()) {
                return stoppedEarly.getAsInt();
            }
            if (last.isEmpty() || last.get().exitCode() < 0) {
                // The command never ran: the task could not be created or started. Its error keeps its kind: a
                // host that cannot (UNAVAILABLE, 125) is not a usage error (2).
                throw ResourceFlags.renamed(result.cause().orElseGet(() -> OverseerException.internal(result.data(), null)));
            }
            if (json) {
                out.println(ExitJson.write(ExitJson.fields(last.get(), result, job.diagnostics())));
                out.flush();
            }
            return last.get().exitCode();
        } finally {
            terminal.ifPresent(ControllingTerminal::close);
        }
    }

    /**
     * The exit code of a job a signal stopped before its process started (KILLED, no run in its exit log, no
     * error as the cause): 128 + that signal, as a shell ends (130 for ^C, the default when none is known).
     * Empty for any other end.
     */
    static OptionalInt stoppedBeforeItRan(JobResult r, Optional<Diagnostics.ExitLogEntry> last, Optional<Signal> came) {
        if (r.state() != JobState.KILLED || r.cause().isPresent() || last.isPresent()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(128 + came.orElse(Signal.SIGINT).number());
    }

    /** -t: the command's terminal takes the size of this one (at each start, and at each SIGWINCH). */
    private static void resize(Job job, Optional<ControllingTerminal> terminal) {
        Optional<int[]> size = terminal.flatMap(ControllingTerminal::size);
        Optional<Task> task = job.task();
        if (size.isPresent() && task.isPresent()) {
            try {
                task.get().resizePty(size.get()[0], size.get()[1]);
            } catch (OverseerException ended) {
                // it ended meanwhile
            }
        }
    }

    /**
     * -it: this process's stdin, as it comes, to the terminal of the run now going (a restart's next run gets
     * what follows); at its end a ^D, which a terminal reads as the end of input.
     */
    private static void forwardInput(Job job, java.util.concurrent.CompletableFuture<Void> firstRun) {
        byte[] buf = new byte[4096];
        try {
            for (int n = System.in.read(buf); n >= 0; n = System.in.read(buf)) {
                firstRun.join();
                write(job, buf, n);
            }
            write(job, new byte[]{EOT}, 1);
        } catch (IOException ended) {
            // this input ended
        }
    }

    private static final byte EOT = 4;

    private static void write(Job job, byte[] bytes, int n) {
        job.task().ifPresent(t -> {
            try {
                OutputStream in = t.stdin();
                in.write(bytes, 0, n);
                in.flush();
            } catch (IOException | OverseerException ended) {
                // the run ended while its input was on its way
            }
        });
    }

    /** The task the flags describe; the foreground and -d build it the same way. */
    private TaskSpec task(String taskId, ProcessSpec process) {
        TaskSpec task = TaskSpec.of(taskId, process).withResources(limits.resources());
        if (isolation.isolate) {
            return task.withIsolation(isolation.isolation());
        }
        isolation.requireNone();
        return task;
    }

    /**
     * {@code run -d}: the same task, with the supervision flags as the daemon's restart policy, stop
     * sequence and maximum run time. Flags the daemon cannot honour are refused by name, never dropped.
     */
    ServiceSpec detached(String taskId) {
        Detached.refuse("--framing", framing != null && !framing.equals("line"), "the daemon cuts output into lines");
        Detached.refuse("-t", tty, "a detached task has no terminal to attach (use overseer exec -it)");
        Detached.refuse("--log-file", logFile != null, "the daemon keeps output in its own files (overseer logs)");
        Detached.refuse("--log-max-bytes", verb.commandLine().getParseResult().hasMatchedOption("--log-max-bytes"), "the daemon keeps output in its own files");
        Detached.refuse("--log-max-files", logMaxFiles != 3, "the daemon keeps output in its own files");
        Detached.refuse("--runtime", !runtime.equals("native"),
                "the daemon picks the runtime: isolated tasks run on OCI, others natively");
        Detached.refuse("--cgroup-parent", !cgroupParent.equals(NativeRuntime.Options.DEFAULT_PARENT),
                "the daemon's cgroup parent is set where the daemon starts");
        Detached.refuse("--cgroup-root", cgroupRoot != null, "the daemon finds its cgroups where it starts");
        Detached.refuse("--oci-runtime", !isolation.ociRuntime.equals("auto"), "the daemon picks its OCI runtime");
        Detached.refuse("--stdin inherit", "inherit".equals(stdin), "a detached task has no terminal to read");
        ProcessSpec.Builder p = ProcessSpec.builder(command).env(environment());
        if (user != null) {
            p.user(user);
        }
        if (cwd != null) {
            p.cwd(cwd.toAbsolutePath().normalize());
        } else if (!isolation.isolate) {
            p.cwd(Path.of("").toAbsolutePath());
        }
        return new ServiceSpec(task(taskId, p.build()), supervision.supervision());
    }

    private Map<String, String> environment() {
        Map<String, String> vars = new LinkedHashMap<>();
        if (envInherit) {
            vars.putAll(System.getenv());
            vars.remove("_JAVA_SR_SIGNUM"); // bin/overseer's setting for its own JVM, not the command's
        }
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw OverseerException.invalidField("--env", "expected NAME=VALUE, got \"%s\"", kv);
            }
            vars.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return vars;
    }

    /** The output passed on as it was read, one write per read: no line is cut, no '\r' dropped. */
    private static void pass(PrintStream to, byte[] buf, int off, int len) {
        to.write(buf, off, len);
        to.flush();
    }

    private TaskRuntime runtime(Optional<ControllingTerminal> foreground) {
        if (isolation.isolate) {
            if (cgroupRoot != null) {
                throw OverseerException.invalidArgument("--cgroup-root: the OCI runtime finds its own cgroups; not with --isolate");
            }
            return isolation.runtime(cgroupParent);
        }
        NativeRuntime.Options options = NativeRuntime.Options.defaults().withCgroupEveryTask(true)
                .withCgroupParent(cgroupParent);
        if (cgroupRoot != null) {
            options = options.withCgroupRoot(cgroupRoot.toAbsolutePath());
        }
        return switch (runtime) {
            // A cgroup even without limits, as the daemon gives every task: when the command exits, whatever it
            // left running (a background job, a daemon that left its process group) is killed with it.
            case "native" -> new NativeRuntime(foreground.map(options::withTerminal).orElse(options));
            case "portable" -> new PortableRuntime();
            default -> throw OverseerException.invalidField("--runtime", "expected native or portable, got \"%s\"", runtime);
        };
    }

    ProcessSpec spec() {
        Map<String, String> vars = environment();
        Redirect in = switch (stdin == null ? "inherit" : stdin) {
            case "inherit" -> Redirect.INHERIT;
            case "null" -> Redirect.NULL;
            default -> throw OverseerException.invalidField("--stdin", "expected inherit or null, got \"%s\"", stdin);
        };
        // A terminal's output has no lines to speak of (a prompt ends none): -t records it as it comes.
        String framed = framing != null ? framing : tty ? "raw" : "line";
        Framing f = switch (framed) {
            case "line" -> Framing.LINE;
            case "message" -> Framing.MESSAGE;
            case "raw" -> Framing.RAW;
            default -> throw OverseerException.invalidField("--framing", "expected line, message or raw, got \"%s\"", framing);
        };
        Optional<LogConfig.FileSink> file = Optional.ofNullable(logFile)
                .map(p -> new LogConfig.FileSink(p.toAbsolutePath(), overseer.core.internal.Sizes.parse("--log-max-bytes", logMaxBytes), logMaxFiles));
        ProcessSpec.Builder b = ProcessSpec.builder(command);
        if (user != null) {
            b.user(user);
        }
        if (tty) {
            if (stdin != null) {
                throw OverseerException.invalidField("--stdin", "with -t the command reads its own terminal, got \"%s\"", stdin);
            }
            return b.env(vars)
                    .cwd(cwd == null && isolation.isolate ? null : (cwd == null ? Path.of("") : cwd).toAbsolutePath().normalize())
                    .terminal()
                    .logs(new LogConfig(f, LogConfig.DEFAULT_TAIL, file))
                    .build();
        }
        return b
                .env(vars)
                // An isolated task starts in its own root unless told otherwise: the host's cwd is not in it.
                .cwd(cwd == null && isolation.isolate ? null : (cwd == null ? Path.of("") : cwd).toAbsolutePath().normalize())
                .stdin(in)
                .captureOutput()
                .logs(new LogConfig(f, 0, file)) // nothing reads the task's tail: run prints what it reads
                .build();
    }
}
