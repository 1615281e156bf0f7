package overseer.supervisor;

import overseer.core.Framing;
import overseer.core.LogConfig;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command kinds the supervisor knows: {@code core.system}, built-ins registered from Java, and
 * extensions (a name mapped to an executable with fixed arguments, 0-core's RegisterExtension).
 */
public final class CommandRegistry {
    public static final String SYSTEM = "core.system";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_.-]+)}");

    private final Map<String, JobProcess.Factory> factories = new ConcurrentHashMap<>();

    public CommandRegistry() {
        factories.put(SYSTEM, cmd -> system(SystemArguments.parse(cmd.arguments())));
    }

    public void register(String name, JobProcess.Factory factory) {
        if (name == null || name.isBlank()) {
            throw OverseerException.invalidArgument("command: a command kind needs a name");
        }
        if (factories.putIfAbsent(name, factory) != null) {
            throw OverseerException.alreadyExists("command kind %s is already registered", name);
        }
    }

    /** A built-in that sees only its command (0-core's RegisterBuiltIn). */
    public void registerBuiltIn(String name, BuiltIn body) {
        register(name, cmd -> new JobProcess.BuiltIn(ctx -> body.run(ctx.command())));
    }

    /** A built-in that also gets a context to emit messages with (0-core's RegisterBuiltInWithCtx). */
    public void registerBuiltInWithContext(String name, JobProcess.BuiltInCommand body) {
        register(name, cmd -> new JobProcess.BuiltIn(body));
    }

    /**
     * An extension: running {@code name} runs {@code exe} in {@code workdir} with {@code args} and {@code env}.
     * A "{key}" in a fixed argument is replaced by the command's arguments.key; the command's
     * arguments.args, if present, are appended.
     */
    public void registerExtension(String name, String exe, String workdir, List<String> args, Map<String, String> env) {
        if (exe == null || exe.isBlank()) {
            throw OverseerException.invalidArgument("extension.exe: must name the program of extension %s", name);
        }
        List<String> fixed = List.copyOf(args);
        Map<String, String> vars = Map.copyOf(env);
        register(name, cmd -> {
            List<String> all = new ArrayList<>();
            all.add(exe);
            for (String a : fixed) {
                all.add(substitute(a, cmd.arguments()));
            }
            JsonNode extra = cmd.arguments().get("args");
            if (extra != null && extra.isArray()) {
                extra.forEach(e -> all.add(e.asString()));
            }
            return system(new SystemArguments(exe, Optional.ofNullable(workdir).filter(w -> !w.isEmpty()).map(Path::of),
                    all.subList(1, all.size()), vars, Optional.empty()));
        });
    }

    @FunctionalInterface
    public interface BuiltIn {
        Object run(Command command) throws Exception;
    }

    Optional<JobProcess.Factory> factory(String name) {
        return Optional.ofNullable(factories.get(name));
    }

    public List<String> names() {
        return factories.keySet().stream().sorted().toList();
    }

    private static JobProcess system(SystemArguments a) {
        List<String> argv = new ArrayList<>();
        argv.add(a.name());
        argv.addAll(a.args());
        // 0-core (base/pm/systemprocess.go): the manager's own environment, with arguments.env added over it
        // (Go's exec inherits it when Env is nil, and appends os.Environ() before the given pairs otherwise).
        Map<String, String> env = new LinkedHashMap<>(java.lang.System.getenv());
        env.putAll(a.env());
        ProcessSpec spec = ProcessSpec.builder(argv)
                .env(env)
                .cwd(a.dir().orElse(null))
                .stdin(a.stdin().isPresent() ? Redirect.PIPE : Redirect.NULL)
                .captureOutput()
                .logs(new LogConfig(Framing.LINE, 0, Optional.empty()))
                .build();
        return new JobProcess.System(spec, a.stdin());
    }

    private static String substitute(String template, JsonNode arguments) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            JsonNode v = arguments.get(m.group(1));
            if (v == null || v.isNull()) {
                throw OverseerException.invalidArgument("arguments.%s: needed by the extension argument \"%s\"",
                        m.group(1), template);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v.isString() ? v.asString() : v.toString()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
