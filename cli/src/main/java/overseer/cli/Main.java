package overseer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

/** The {@code overseer} command line. */
@Command(name = "overseer", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A process supervisor and task runtime for Linux.",
        subcommands = {RunCommand.class, SliceCommand.class, InfoCommand.class, DaemonCommand.class,
                ClientCommands.Ps.class, CreateCommand.class, ClientCommands.Start.class,
                ClientCommands.Stop.class, ClientCommands.Restart.class, ClientCommands.Reload.class,
                ClientCommands.Kill.class, ClientCommands.Pause.class, ClientCommands.Resume.class,
                ClientCommands.Rm.class, ClientCommands.Inspect.class, ClientCommands.Top.class,
                ClientCommands.Wait.class, ClientCommands.Logs.class, ClientCommands.Events.class,
                ClientCommands.Exec.class, StatsCommand.class, ClientCommands.Update.class,
                FleetCommand.class, UiCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
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
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
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
            cl.getSubcommands().get(verb).setStopAtPositional(true);
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
