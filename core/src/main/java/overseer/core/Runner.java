package overseer.core;

import overseer.core.spi.TaskRuntime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one command to its end and hands back its exit and all of its output: zt-exec's
 * {@code ProcessExecutor}, on Overseer's runtime. The common case needs this and {@link RunResult} only:
 *
 * <pre>{@code
 * RunResult r = Runner.of("/bin/sh", "-c", "echo hi").memory(64 << 20).timeout(Duration.ofSeconds(10)).run();
 * r.exitCode();   // 0
 * r.stdout();     // "hi\n"
 * }</pre>
 *
 * <p>Each run is a task of its own on the default runtime (the native one when overseer-linux is on the path,
 * found through {@link ServiceLoader}; the portable {@code ProcessBuilder} one otherwise), created, started,
 * awaited and deleted within {@link #run()}: nothing is left behind. A Runner is a reusable, immutable
 * description; {@link Tasks} is the full API beside it (restarts, exec, pause, events, many tasks at once).
 *
 * <p>The command's environment starts empty, as in {@code docker run}, but for a PATH when none is given.
 * Its stdin reads {@link #input(byte[]) the input} or /dev/null. The result is complete once the command has
 * exited <em>and</em> its output has ended: a background job that keeps the command's stdout open keeps
 * {@code run()} waiting, as it keeps a shell's {@code $(...)} waiting, until the {@link #timeout(Duration)}.
 */
public final class Runner {
    private static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);
    private static final LogConfig BYTES_ONLY = new LogConfig(Framing.RAW, 0, Optional.empty());

    private final List<String> command;
    private final ProcessSpec.Builder process;
    private final Resources resources;
    private final Optional<byte[]> input;
    private final Optional<Duration> timeout;
    private final Duration stopGrace;

    private Runner(List<String> command, ProcessSpec.Builder process, Resources resources,
                   Optional<byte[]> input, Optional<Duration> timeout, Duration stopGrace) {
        this.command = command;
        this.process = process;
        this.resources = resources;
        this.input = input;
        this.timeout = timeout;
        this.stopGrace = stopGrace;
    }

    /** The command: the program (a path, or a name looked up in PATH) and its arguments. */
    public static Runner of(String... command) {
        return of(Arrays.asList(command));
    }

    public static Runner of(List<String> command) {
        Objects.requireNonNull(command, "command");
        if (command.isEmpty()) {
            throw OverseerException.invalidField("command", "must name a program");
        }
        List<String> c = List.copyOf(command);
        return new Runner(c, ProcessSpec.builder(c), Resources.NONE, Optional.empty(), Optional.empty(), DEFAULT_GRACE);
    }

    /** Sets one environment variable of the command. */
    public Runner env(String name, String value) {
        ProcessSpec.Builder p = copy();
        p.env(name, value);
        return with(p, resources);
    }

    /** The command's working directory. */
    public Runner directory(Path dir) {
        ProcessSpec.Builder p = copy();
        p.cwd(dir);
        return with(p, resources);
    }

    /** A memory limit (a cgroup's): the command is OOM-killed beyond it, and the result says so. */
    public Runner memory(long bytes) {
        return with(process, resources.merge(Resources.builder().memoryBytes(bytes).build()));
    }

    /** A CPU bandwidth limit in cores, e.g. 0.5. */
    public Runner cpus(double cpus) {
        return with(process, resources.merge(Resources.builder().cpus(cpus).build()));
    }

    /** At most this many processes and threads. */
    public Runner pidsLimit(long pids) {
        return with(process, resources.merge(Resources.builder().pidsLimit(pids).build()));
    }

    /** What the command reads on stdin; it reads end of file after it. */
    public Runner input(byte[] bytes) {
        return new Runner(command, process, resources, Optional.of(bytes.clone()), timeout, stopGrace);
    }

    /**
     * Stops the command once it has run this long: SIGTERM, then SIGKILL after the {@link #stopGrace(Duration)};
     * the result is {@link RunResult#timedOut() timed out}, with what the command wrote until then.
     */
    public Runner timeout(Duration timeout) {
        Durations.requireNonNegative("timeout", timeout);
        if (timeout.isZero()) {
            throw OverseerException.invalidField("timeout", "must be more than 0, got %s", timeout);
        }
        return new Runner(command, process, resources, input, Optional.of(timeout), stopGrace);
    }

    /** How long SIGTERM is given before SIGKILL when the timeout is reached (default 10 s, as docker stop). */
    public Runner stopGrace(Duration grace) {
        Durations.requireNonNegative("stopGrace", grace);
        return new Runner(command, process, resources, input, timeout, grace);
    }

    /**
     * Runs the command on the default runtime and waits for its exit and the end of its output. A command that
     * cannot be started is an {@link OverseerException} naming the field (args[0]: no such file or directory).
     */
    public RunResult run() throws InterruptedException {
        try (Tasks tasks = new Tasks(defaultRuntime())) {
            return run(tasks, Tasks.DEFAULT_NAMESPACE);
        }
    }

    /** Runs the command as a task of {@code tasks} (its runtime, its events), deleted again before returning. */
    public RunResult run(Tasks tasks, String namespace) throws InterruptedException {
        ProcessSpec.Builder p = copy().stdout(Redirect.PIPE).stderr(Redirect.PIPE).logs(BYTES_ONLY)
                .stdin(input.isPresent() ? Redirect.PIPE : Redirect.NULL);
        ProcessSpec spec = p.build();
        if (!spec.env().containsKey("PATH")) {
            spec = p.env("PATH", Executables.DEFAULT_PATH).build();
        }
        TaskSpec task = TaskSpec.of("run-" + UUID.randomUUID(), spec).withResources(resources);
        Task t = tasks.create(namespace, task);
        try {
            Captured out = new Captured();
            t.output().addByteSink(out);
            t.start();
            input.ifPresent(bytes -> feed(t, bytes));
            long deadline = timeout.map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
            boolean timedOut = false;
            Optional<Exit> exit = t.await(left(deadline));
            if (exit.isEmpty()) {
                timedOut = true;
                t.shutdown(Signal.SIGTERM, stopGrace);
            }
            Exit e = t.await();
            if (!drained(t, deadline)) {
                // Something the command left holds its output open past the timeout: what it wrote is kept.
                timedOut = true;
            }
            return new RunResult(e, timedOut, out.bytes(LogStream.STDOUT), out.bytes(LogStream.STDERR));
        } finally {
            stop(t);
        }
    }

    /** The runtime a plain {@link #run()} uses: the first one a module provides, else the portable one. */
    static TaskRuntime defaultRuntime() {
        return ServiceLoader.load(TaskRuntime.class).findFirst().orElseGet(PortableRuntime::new);
    }

    private static Duration left(long deadline) {
        return deadline == Long.MAX_VALUE ? Duration.ofDays(365 * 100)
                : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** Whether the output ended before the deadline. */
    private static boolean drained(Task t, long deadline) throws InterruptedException {
        try {
            t.output().drained().get(left(deadline).toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw OverseerException.internal("reading the output of " + t.id(), e.getCause());
        }
    }

    /** Written from a thread of its own: a command that writes before it reads must not deadlock with us. */
    private static void feed(Task t, byte[] bytes) {
        Thread.ofVirtual().name("overseer-runner-input").start(() -> {
            try (OutputStream in = t.stdin()) {
                in.write(bytes);
            } catch (IOException | OverseerException e) {
                // the command exited or closed its stdin without reading it all, as `cmd < file` allows
            }
        });
    }

    /** Deletes the task; one still running (an interrupted run) is killed first, with whatever it started. */
    private static void stop(Task t) {
        try {
            if (t.exit().isEmpty() && t.status() == Status.RUNNING) {
                t.kill(Signal.SIGKILL, true);
                t.await(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (OverseerException e) {
            // it ended meanwhile
        }
        try {
            t.delete();
        } catch (OverseerException e) {
            // not stopped yet (an interrupted wait): Tasks.close, or the next delete, ends it
        }
    }

    private ProcessSpec.Builder copy() {
        return process.build().toBuilder();
    }

    private Runner with(ProcessSpec.Builder p, Resources r) {
        return new Runner(command, p, r, input, timeout, stopGrace);
    }

    /** Every byte of both streams, as read. */
    private static final class Captured implements ByteSink {
        private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

        @Override
        public synchronized void write(LogStream stream, byte[] buf, int off, int len) {
            (stream == LogStream.STDOUT ? stdout : stderr).write(buf, off, len);
        }

        synchronized byte[] bytes(LogStream stream) {
            return (stream == LogStream.STDOUT ? stdout : stderr).toByteArray();
        }
    }

    @Override
    public String toString() {
        return "Runner" + new ArrayList<>(command);
    }
}
