package overseer.core;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What to run: the command line, its environment (exactly as given: nothing is inherited), its working
 * directory and its standard streams.
 *
 * @param args   the command and its arguments; args[0] is a path, or a name looked up in the env's PATH
 * @param env    the whole environment of the process
 * @param cwd    the working directory; the runtime's default when empty
 * @param stdin  NULL, PIPE, INHERIT or a file
 * @param stdout NULL, PIPE, INHERIT or a file
 * @param stderr NULL, PIPE, INHERIT, a file or STDOUT (merged)
 * @param logs   what happens to piped output
 * @param user   who the process runs as; empty means Overseer's own user
 * @param terminal whether stdin, stdout and stderr are a pseudo-terminal the process controls (docker's -t);
 *               its output is captured as stdout, its input written through {@link TaskProcess#stdin()}
 */
public record ProcessSpec(List<String> args, Map<String, String> env, Optional<Path> cwd,
                          Redirect stdin, Redirect stdout, Redirect stderr, LogConfig logs, Optional<User> user,
                          boolean terminal) {
    public ProcessSpec {
        Objects.requireNonNull(args, "args");
        if (args.isEmpty() || args.getFirst() == null || args.getFirst().isBlank()) {
            throw OverseerException.invalidField("args", "must name a program to run, got %s", args);
        }
        for (int i = 0; i < args.size(); i++) {
            String a = Objects.requireNonNull(args.get(i), "args[" + i + "]");
            if (a.indexOf('\0') >= 0) {
                throw OverseerException.invalidField("args[" + i + "]", "contains a NUL character");
            }
        }
        args = List.copyOf(args);
        Objects.requireNonNull(env, "env");
        env.forEach((k, v) -> {
            if (k == null || k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0) {
                throw OverseerException.invalidField("env", "\"%s\" is not a valid variable name", k);
            }
            if (v == null || v.indexOf('\0') >= 0) {
                throw OverseerException.invalidField("env." + k, "value must be a string without NUL");
            }
        });
        env = Map.copyOf(env);
        Objects.requireNonNull(cwd, "cwd");
        cwd.ifPresent(d -> {
            if (!d.isAbsolute()) {
                throw OverseerException.invalidField("cwd", "must be an absolute path, got \"%s\"", d);
            }
        });
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        Objects.requireNonNull(logs, "logs");
        if (stdin == Redirect.STDOUT) {
            throw OverseerException.invalidField("stdin", "cannot be redirected to stdout");
        }
        if (stdout == Redirect.STDOUT) {
            throw OverseerException.invalidField("stdout", "cannot be redirected to itself");
        }
        Objects.requireNonNull(user, "user");
        if (terminal && (stdin != Redirect.PIPE || stdout != Redirect.PIPE || stderr != Redirect.STDOUT)) {
            throw OverseerException.invalidField("terminal", "a terminal is stdin, stdout and stderr at once (stdin and stdout piped, stderr merged)");
        }
    }

    /** A process without a terminal. */
    public ProcessSpec(List<String> args, Map<String, String> env, Optional<Path> cwd,
                       Redirect stdin, Redirect stdout, Redirect stderr, LogConfig logs, Optional<User> user) {
        this(args, env, cwd, stdin, stdout, stderr, logs, user, false);
    }

    /** A process that runs as Overseer's own user, without a terminal. */
    public ProcessSpec(List<String> args, Map<String, String> env, Optional<Path> cwd,
                       Redirect stdin, Redirect stdout, Redirect stderr, LogConfig logs) {
        this(args, env, cwd, stdin, stdout, stderr, logs, Optional.empty(), false);
    }

    /** A process with no environment and all streams on /dev/null. */
    public static ProcessSpec of(String... args) {
        return builder(args).build();
    }

    public static Builder builder(String... args) {
        return new Builder(List.of(args));
    }

    public static Builder builder(List<String> args) {
        return new Builder(args);
    }

    public Builder toBuilder() {
        Builder b = new Builder(args);
        b.env.putAll(env);
        b.cwd = cwd.orElse(null);
        b.stdin = stdin;
        b.stdout = stdout;
        b.stderr = stderr;
        b.logs = logs;
        b.user = user.orElse(null);
        b.terminal = terminal;
        return b;
    }

    /** Whether any output stream is captured through a pipe. */
    public boolean capturesOutput() {
        return stdout == Redirect.PIPE || stderr == Redirect.PIPE;
    }

    public static final class Builder {
        private List<String> args;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path cwd;
        private Redirect stdin = Redirect.NULL;
        private Redirect stdout = Redirect.NULL;
        private Redirect stderr = Redirect.NULL;
        private LogConfig logs = LogConfig.DEFAULT;
        private User user;
        private boolean terminal;

        private Builder(List<String> args) {
            this.args = args;
        }

        public Builder args(List<String> args) {
            this.args = args;
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder env(Map<String, String> vars) {
            env.putAll(vars);
            return this;
        }

        public Builder cwd(Path dir) {
            this.cwd = dir;
            return this;
        }

        public Builder stdin(Redirect r) {
            this.stdin = r;
            return this;
        }

        public Builder stdout(Redirect r) {
            this.stdout = r;
            return this;
        }

        public Builder stderr(Redirect r) {
            this.stderr = r;
            return this;
        }

        /** stdout and stderr both piped to Overseer's log capture. */
        public Builder captureOutput() {
            this.stdout = Redirect.PIPE;
            this.stderr = Redirect.PIPE;
            return this;
        }

        public Builder logs(LogConfig logs) {
            this.logs = logs;
            return this;
        }

        /** Runs the process as another user (docker's {@code --user}); needs a runtime with feature USER. */
        public Builder user(User user) {
            this.user = user;
            return this;
        }

        /** {@code user[:group]}, each a name or a number. */
        public Builder user(String spec) {
            return user(User.parse(spec));
        }

        /**
         * A pseudo-terminal for stdin, stdout and stderr (docker's -it): input piped, output captured as it
         * comes (raw framing: a prompt ends no line).
         */
        public Builder terminal() {
            this.terminal = true;
            this.stdin = Redirect.PIPE;
            this.stdout = Redirect.PIPE;
            this.stderr = Redirect.STDOUT;
            this.logs = new LogConfig(Framing.RAW, logs.tailRecords(), logs.file());
            return this;
        }

        public ProcessSpec build() {
            return new ProcessSpec(args, env, Optional.ofNullable(cwd), stdin, stdout, stderr, logs,
                    Optional.ofNullable(user), terminal);
        }
    }
}
