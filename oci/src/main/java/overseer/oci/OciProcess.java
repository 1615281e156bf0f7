package overseer.oci;

import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Signal;
import overseer.core.spi.RuntimeProcess;
import overseer.linux.DirectoryWatch;
import overseer.linux.ProcStat;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One process of an isolated task under its own conmon: the init process ({@link OciTask}) or an exec'd one
 * ({@link OciExec}). What they share: the log is read as conmon writes it, stdin goes through the attach
 * socket, and the exit is read from conmon's exit file when the watcher sees it appear.
 */
abstract class OciProcess implements RuntimeProcess {
    protected final OciRuntime runtime;
    protected final TaskPaths paths;
    protected final ProcessSpec spec;
    protected final ProcessOutput output;
    private final AttachStdin stdin;
    /** Signal numbers Overseer sent: conmon reports a death by signal n as status 128+n, like an exit with it. */
    private final Set<Integer> sent = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Exit> exit = new CompletableFuture<>();
    private final Runnable onChange = this::changed;
    private volatile ConmonLog log;
    private volatile DirectoryWatch.Watched watched = DirectoryWatch.Watched.NONE;
    private volatile Consumer<Exit> onExit;
    protected volatile Runnable onOom;
    protected volatile long pid;
    /** Read as soon as the pid is known: later the pid may name another process. */
    private volatile long startTime;

    OciProcess(OciRuntime runtime, TaskPaths paths, ProcessSpec spec, ProcessOutput output) {
        this.runtime = runtime;
        this.paths = paths;
        this.spec = spec;
        this.output = output;
        this.stdin = spec.stdin() == Redirect.NULL ? null : new AttachStdin();
    }

    @Override
    public long startTime() {
        return startTime;
    }

    /** Runs the process under conmon and returns its pid once it runs. */
    protected abstract long launch();

    @Override
    public long start(Consumer<Exit> onExit) {
        this.onExit = onExit;
        this.log = new ConmonLog(paths.log(), spec, output, false);
        try {
            watched = runtime.watcher().watch(onChange, paths.dir(), paths.exits());
            pid = launch();
            startTime = ProcStat.startTime(pid);
        } catch (RuntimeException e) {
            runtime.watcher().cancel(watched);
            log.finish();
            throw e;
        }
        if (stdin != null) {
            stdin.connect(paths.attach());
            try {
                switch (spec.stdin()) {
                    case Redirect.File f -> stdin.feedFrom(new FileInputStream(f.path().toFile()), true);
                    case Redirect.Inherit i -> stdin.feedFrom(System.in, false);
                    default -> {
                    }
                }
            } catch (IOException e) {
                throw OverseerException.invalidArgument("stdin: cannot read \"%s\": %s", spec.stdin(), e.getMessage());
            }
        }
        // The exit may be there already (a quick process): look once more, on the watcher's thread, so that it is
        // reported after this start returned and the start was published.
        runtime.watcher().poke(onChange);
        return pid;
    }

    /**
     * Picks up a reattached process: its log from the start (what an earlier Overseer copied already is not
     * copied again), its exit when it comes (or now).
     */
    void adopt(long pid, Consumer<Exit> onExit) throws IOException {
        this.pid = pid;
        this.startTime = ProcStat.startTime(pid);
        this.onExit = onExit;
        this.log = new ConmonLog(paths.log(), spec, output, true);
        if (stdin != null) {
            // conmon closed the process's stdin when the previous Overseer's connection went away.
            stdin.close();
        }
        Files2.read(paths.signals()).ifPresent(s -> s.lines().filter(l -> !l.isBlank()).forEach(l -> sent.add(Integer.parseInt(l.strip()))));
        watched = runtime.watcher().watch(onChange, paths.dir(), paths.exits());
        runtime.watcher().poke(onChange);
    }

    /** The watcher saw a change in this process's files: new output, or the exit. */
    private void changed() {
        ConmonLog l = log;
        if (l == null || exit.isDone()) {
            return;
        }
        l.pump();
        Optional<String> status = Files2.read(paths.exitFile());
        if (status.isEmpty()) {
            return;
        }
        l.finish();
        runtime.watcher().cancel(watched);
        boolean oom = Files.exists(paths.oomFile());
        int code = Integer.parseInt(status.get());
        Instant now = Instant.now();
        Exit e;
        if (oom && code == 128 + 9) {
            e = Exit.killed(Signal.SIGKILL, true, now); // the OOM killer's signal
        } else if (code > 128 && code <= 128 + 64 && sent.contains(code - 128)) {
            e = Exit.killed(Signal.of(code - 128), oom, now);
        } else {
            e = new Exit(code, Optional.empty(), oom, now);
        }
        if (oom && onOom != null) {
            onOom.run();
        }
        exit.complete(e);
        onExit.accept(e);
    }

    /** Remembers a signal before it is sent, in memory and on disk for a later Overseer. */
    protected void sending(Signal signal) {
        if (sent.add(signal.number())) {
            try {
                Files.writeString(paths.signals(), signal.number() + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                // only a later Overseer's wording of the exit depends on it
            }
        }
    }

    boolean finished() {
        return exit.isDone();
    }

    CompletableFuture<Exit> exitFuture() {
        return exit;
    }

    protected void requireRunning() {
        if (exit.isDone()) {
            throw OverseerException.processFinished();
        }
    }

    @Override
    public OutputStream stdin() {
        if (spec.stdin() != Redirect.PIPE) {
            throw OverseerException.failedPrecondition("stdin: the process's stdin is not a pipe (it is %s)", spec.stdin());
        }
        return stdin;
    }

    @Override
    public void closeStdin() {
        if (stdin != null) {
            stdin.close();
        }
    }

    /** Stops watching and drops the process's files. */
    protected void forget() {
        runtime.watcher().cancel(watched);
        if (stdin != null) {
            stdin.close();
        }
        ConmonLog l = log;
        if (l != null && !exit.isDone()) {
            l.finish();
        }
        try {
            Files.deleteIfExists(paths.socketDir().resolve(paths.cuuid()));
        } catch (IOException e) {
            // conmon removes it itself in later versions
        }
    }
}
