package overseer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The {@code overseer} command line. */
@Command(name = "overseer", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A process supervisor and task runtime for Linux.")
public final class Main implements Runnable {
    /** Every verb, in the order help lists them. */
    private static final List<Class<?>> VERBS = List.of(RunCommand.class, SliceCommand.class, InfoCommand.class,
            DaemonCommand.class, InspectionVerbs.Ps.class, CreateCommand.class, LifecycleVerbs.Start.class,
            LifecycleVerbs.Stop.class, LifecycleVerbs.Restart.class, LifecycleVerbs.Reload.class,
            LifecycleVerbs.Kill.class, LifecycleVerbs.Pause.class, LifecycleVerbs.Resume.class,
            LifecycleVerbs.Rm.class, InspectionVerbs.Inspect.class, InspectionVerbs.Top.class,
            InspectionVerbs.Wait.class, InspectionVerbs.Logs.class, InspectionVerbs.Events.class,
            ClientCommands.Exec.class, StatsCommand.class, ClientCommands.Update.class,
            FleetCommand.class, UiCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class);
    /** The options before the verb that take a value (the verb is the first word after them). */
    private static final Set<String> GLOBAL_VALUED = Set.of("-H", "--socket", "-n", "--namespace");

    /** Exit code when Overseer itself could not run the command (docker's convention). */
    static final int EXIT_OVERSEER_ERROR = 125;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-H", "--socket"}, paramLabel = "PATH",
            description = "The daemon's socket, for every verb (default: $OVERSEER_SOCKET, else the daemon's default).")
    java.nio.file.Path socket;

    @CommandLine.Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "The namespace, for every verb (default: default).")
    String namespace;

    public static void main(String[] args) {
        Signals.start();
        System.exit(commandLine(args).execute(args));
    }

    /** The whole command line, every verb in it (help, completion, tests). */
    static CommandLine commandLine() {
        return commandLine(VERBS);
    }

    /**
     * The command line for {@code args}: with only the verb they name when they name one, since building
     * picocli's model of every verb is most of what a short verb such as {@code ps} costs; everything else
     * (no verb, an unknown one, help, completion) gets them all, so its answer is the same as before.
     */
    static CommandLine commandLine(String[] args) {
        Optional<Class<?>> verb = verbOf(args).flatMap(Main::verbNamed)
                .filter(c -> c != CompletionCommand.class && c != CommandLine.HelpCommand.class);
        return commandLine(verb.<List<Class<?>>>map(List::of).orElse(VERBS));
    }

    private static Optional<String> verbOf(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (GLOBAL_VALUED.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return Optional.of(a);
            } else if (!a.startsWith("--socket=") && !a.startsWith("--namespace=")) {
                return Optional.empty(); // --help, --version, or a mistake: picocli answers with everything
            }
        }
        return Optional.empty();
    }

    private static Optional<Class<?>> verbNamed(String name) {
        return VERBS.stream().filter(c -> {
            Command c1 = c.getAnnotation(Command.class);
            return c1.name().equals(name) || List.of(c1.aliases()).contains(name);
        }).findFirst();
    }

    private static CommandLine commandLine(List<Class<?>> verbs) {
        CommandLine cl = new CommandLine(new Main());
        verbs.forEach(cl::addSubcommand);
        cl.setExecutionExceptionHandler(new Errors());
        // Signals are held until the verb is known: run and exec take them (a signal that comes while run's
        // command starts is the command's); every other verb gets what the JVM would have done.
        cl.setExecutionStrategy(parsed -> {
            String verb = parsed.hasSubcommand() ? parsed.subcommand().commandSpec().name() : "";
            if (!verb.equals("run") && !verb.equals("exec")) {
                Signals.handle(Signals::asTheJvmWould);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        // The command's own flags are its own: once its first word comes, nothing more is Overseer's
        // (`overseer run /bin/ls -d /tmp`), as with docker run and exec. For create and exec that word is the task.
        for (String verb : List.of("run", "create", "exec")) {
            CommandLine sub = cl.getSubcommands().get(verb);
            if (sub != null) {
                sub.setStopAtPositional(true);
            }
        }
        Help.apply(cl);
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, slice, daemon, ps, ..., help");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{BuildInfo.current().line()};
        }
    }
}
