package overseer.core;

import overseer.core.spi.TaskRuntime;
import overseer.core.spi.RuntimeProcess;
import overseer.core.spi.RuntimeTask;

import java.io.File;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Nomad's BasicExecutor: host processes run through {@link ProcessBuilder}, for hosts where the native
 * runtime is not available. What it cannot do, it does not claim:
 * <ul>
 *   <li>only SIGTERM ({@link ProcessHandle#destroy()}) and SIGKILL ({@link ProcessHandle#destroyForcibly()})
 *       can be sent, any other signal is UNAVAILABLE; "all" means the process and its descendants as {@link ProcessHandle#descendants()}
 *       sees them when the signal is sent (children reparented away from it are out of reach);</li>
 *   <li>no pause;</li>
 *   <li>the JDK reports a process killed by signal n as exit status 128+n, the same as a process that
 *       exited with that status; the exit names the signal only when Overseer itself sent n to that
 *       process, and is otherwise "exit status 128+n";</li>
 *   <li>argv[0] is the resolved absolute path of the program, since the JDK cannot set it apart.</li>
 * </ul>
 * An exec'd process is an ordinary host process that belongs to its task by bookkeeping only.
 */
public final class PortableRuntime implements TaskRuntime {
    private static final Set<Feature> FEATURES = Set.copyOf(EnumSet.of(Feature.PIDS));
    private static final File DEV_NULL = new File("/dev/null");
    /** Exit callbacks and output pumps run on virtual threads of their own: nothing to shut down. */
    private static final Executor EXIT_DELIVERY = r -> Thread.ofVirtual().name("overseer-portable-exit").start(r);

    private volatile boolean closed;

    @Override
    public String name() {
        return "portable";
    }

    @Override
    public Set<Feature> features() {
        return FEATURES;
    }

    @Override
    public RuntimeTask create(String namespace, TaskSpec spec, ProcessOutput output) {
        if (closed) {
            throw OverseerException.failedPrecondition("the portable runtime is closed");
        }
        return new PortableTask(spec.id(), spec.process(), output);
    }

    @Override
    public void close() {
        // Exit delivery and output pumps run on their own virtual threads, which end with their process
        // (a pump, with the last holder of its pipe).
        closed = true;
    }

    /** Checks what must hold before anything is started, and returns the program to run. */
    private static Path validate(ProcessSpec spec) {
        Executables.requireCwd(spec);
        Path program = Executables.resolve(spec);
        Executables.requireRedirects(spec);
        return program;
    }

    private static class PortableProcess implements RuntimeProcess {
        protected final String id;
        private final ProcessSpec spec;
        private final ProcessOutput output;
        private final Path program;
        /** The signal numbers Overseer sent to this process itself (not to its descendants). */
        private final Set<Integer> sent = ConcurrentHashMap.newKeySet();
        protected volatile java.lang.Process process;
        private volatile OutputStream stdin;
        /** Set once the exit callback has returned: from then on the exit is known to the caller. */
        private volatile boolean delivered;

        PortableProcess(String id, ProcessSpec spec, ProcessOutput output) {
            this.id = id;
            this.spec = spec;
            this.output = output;
            this.program = validate(spec);
        }

        @Override
        public long start(Consumer<Exit> onExit) {
            if (process != null) {
                throw OverseerException.failedPrecondition("cannot start a running process");
            }
            java.lang.Process p;
            try {
                p = builder().start();
            } catch (IOException e) {
                validate(spec); // the program or a directory may have gone since create: say which
                throw new OverseerException(ErrorKind.INTERNAL,
                        "starting %s (%s): %s".formatted(id, program, e.getMessage()), e);
            }
            process = p;
            if (spec.stdin() == Redirect.PIPE) {
                stdin = new FlushingOutputStream(p.getOutputStream());
            }
            if (spec.stdout() == Redirect.PIPE) {
                pump(p.getInputStream(), LogStream.STDOUT);
            }
            if (spec.stderr() == Redirect.PIPE) {
                pump(p.getErrorStream(), LogStream.STDERR);
            }
            // Never called from inside start(): the JDK completes onExit on its own threads, and the
            // callback runs on a fresh virtual thread as soon as the exit status is known.
            p.onExit().thenAcceptAsync(done -> {
                Exit e = exitOf(done.exitValue());
                try {
                    onExit.accept(e);
                } finally {
                    delivered = true;
                }
            }, EXIT_DELIVERY);
            return p.pid();
        }

        private ProcessBuilder builder() {
            List<String> command = new ArrayList<>(spec.args());
            command.set(0, program.toString());
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().clear();
            pb.environment().putAll(spec.env());
            spec.cwd().ifPresent(d -> pb.directory(d.toFile()));
            pb.redirectInput(switch (spec.stdin()) {
                case Redirect.Null _ -> ProcessBuilder.Redirect.from(DEV_NULL);
                case Redirect.Pipe _ -> ProcessBuilder.Redirect.PIPE;
                case Redirect.Inherit _ -> ProcessBuilder.Redirect.INHERIT;
                case Redirect.File f -> ProcessBuilder.Redirect.from(file(f));
                case Redirect.ToStdout _ -> throw OverseerException.invalidField("stdin", "cannot be redirected to stdout");
            });
            pb.redirectOutput(output(spec.stdout()));
            if (spec.stderr() == Redirect.STDOUT) {
                pb.redirectErrorStream(true);
            } else {
                pb.redirectError(output(spec.stderr()));
            }
            return pb;
        }

        private File file(Redirect.File f) {
            Path base = spec.cwd().orElseGet(() -> Path.of("").toAbsolutePath());
            return base.resolve(f.path()).toFile();
        }

        /** The JDK would create a missing file 0666 less the umask: it is made 0600 first, as the native runtime does. */
        private static File created(File f) {
            try {
                java.nio.file.Files.createFile(f.toPath(), RotatingFileSink.PRIVATE);
            } catch (java.nio.file.FileAlreadyExistsException exists) {
                // its mode is its owner's choice
            } catch (java.io.IOException | UnsupportedOperationException e) {
                // the spawn opens it and reports what is wrong
            }
            return f;
        }

        private ProcessBuilder.Redirect output(Redirect r) {
            return switch (r) {
                case Redirect.Null _ -> ProcessBuilder.Redirect.DISCARD;
                case Redirect.Pipe _ -> ProcessBuilder.Redirect.PIPE;
                case Redirect.Inherit _ -> ProcessBuilder.Redirect.INHERIT;
                case Redirect.File f -> f.append() ? ProcessBuilder.Redirect.appendTo(created(file(f)))
                        : ProcessBuilder.Redirect.to(created(file(f)));
                case Redirect.ToStdout _ -> throw OverseerException.invalidField("stdout", "cannot be redirected to itself");
            };
        }

        /** One virtual thread per piped stream reads it to end of file into the process's output. */
        private void pump(InputStream in, LogStream stream) {
            Thread.ofVirtual().name("overseer-portable-" + stream.word() + "-" + id).start(() -> {
                byte[] buf = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        if (n > 0) {
                            output.feed(stream, buf, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // The pipe broke: treat it as end of file.
                } finally {
                    output.closed(stream);
                }
            });
        }

        private Exit exitOf(int status) {
            Instant at = Instant.now();
            int n = status - 128;
            if (n >= 1 && n <= 64 && sent.contains(n)) {
                return Exit.killed(Signal.of(n), false, at);
            }
            return Exit.exited(status, at);
        }

        @Override
        public void signal(Signal signal, boolean all) {
            java.lang.Process p = process;
            if (p == null) {
                throw OverseerException.failedPrecondition("process not started");
            }
            if (delivered) {
                throw OverseerException.processFinished();
            }
            boolean force = switch (signal.number()) {
                case 9 -> true;
                case 15 -> false;
                default -> throw OverseerException.unavailable(
                        "signal %s is not supported by the portable runtime", signal.name());
            };
            // Between the exit and its delivery this reaches nobody (ProcessHandle checks the start time,
            // so a reused pid is safe), and the exit is on its way: not an error.
            // Through the ProcessHandle, not the java.lang.Process: Process.destroy() also closes the pipes, which
            // would cut the output of a process that handles SIGTERM and make its next write fail.
            ProcessHandle leader = p.toHandle();
            List<ProcessHandle> descendants = all ? leader.descendants().toList() : List.of();
            sent.add(signal.number());
            send(leader, force);
            for (ProcessHandle d : descendants) {
                send(d, force);
            }
        }

        private static void send(ProcessHandle h, boolean force) {
            if (force) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        }

        @Override
        public OutputStream stdin() {
            if (spec.stdin() != Redirect.PIPE) {
                throw OverseerException.failedPrecondition("stdin of %s is not a pipe", id);
            }
            OutputStream s = stdin;
            if (s == null) {
                throw OverseerException.failedPrecondition("process not started");
            }
            return s;
        }

        @Override
        public void closeStdin() {
            OutputStream s = stdin;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // The process is gone or stopped reading: its stdin is closed either way.
                }
            }
        }

        @Override
        public void release() {
            // Output pipes are closed by their pumps at end of file, so that a delete right after the exit
            // never cuts capture short; stdin is ours to close.
            closeStdin();
        }

        /** The live process and its descendants, as ProcessHandles. */
        Stream<ProcessHandle> handles() {
            java.lang.Process p = process;
            if (p == null || !p.isAlive()) {
                return Stream.empty();
            }
            return Stream.concat(Stream.of(p.toHandle()), p.descendants());
        }
    }

    private static final class PortableTask extends PortableProcess implements RuntimeTask {
        private final Map<String, PortableProcess> execs = new ConcurrentHashMap<>();

        PortableTask(String id, ProcessSpec spec, ProcessOutput output) {
            super(id, spec, output);
        }

        @Override
        public RuntimeProcess exec(String execId, ProcessSpec spec, ProcessOutput output) {
            PortableProcess p = new PortableProcess(id + "/" + execId, spec, output);
            execs.put(execId, p);
            return new RuntimeProcess() {
                @Override
                public long start(Consumer<Exit> onExit) {
                    return p.start(onExit);
                }

                @Override
                public void signal(Signal signal, boolean all) {
                    p.signal(signal, all);
                }

                @Override
                public OutputStream stdin() {
                    return p.stdin();
                }

                @Override
                public void closeStdin() {
                    p.closeStdin();
                }

                @Override
                public void release() {
                    execs.remove(execId, p);
                    p.release();
                }
            };
        }

        @Override
        public void pause() {
            throw OverseerException.unavailable("pause is not supported by the portable runtime");
        }

        @Override
        public void resume() {
            throw OverseerException.unavailable("resume is not supported by the portable runtime");
        }

        @Override
        public List<ProcessInfo> pids() {
            Map<Long, ProcessInfo> live = new LinkedHashMap<>();
            Stream.concat(handles(), execs.values().stream().flatMap(PortableProcess::handles))
                    .filter(ProcessHandle::isAlive)
                    .forEach(h -> live.putIfAbsent(h.pid(), new ProcessInfo(h.pid(), command(h))));
            return List.copyOf(live.values());
        }

        private static String command(ProcessHandle h) {
            return h.info().command().map(c -> {
                int slash = c.lastIndexOf('/');
                return slash < 0 ? c : c.substring(slash + 1);
            }).orElse("");
        }
    }

    /** A raw pipe's behaviour for the JDK's buffered stdin stream: every write reaches the process. */
    private static final class FlushingOutputStream extends FilterOutputStream {
        FlushingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            out.flush();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            out.flush();
        }
    }
}
