package overseer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

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
                FleetCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class})
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
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new Errors());
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
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"overseer " + (v == null ? "development build" : v)};
        }
    }
}
