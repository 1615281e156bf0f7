package overseer.cli;

import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import picocli.CommandLine;

/** Turns failures into one line on stderr and an exit code, never a stack trace. */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (e instanceof OverseerException oe) {
            cl.getErr().println("overseer: " + oe.getMessage());
            return exitCode(oe);
        }
        cl.getErr().println("overseer: internal error: " + e);
        return Main.EXIT_OVERSEER_ERROR;
    }

    /**
     * docker's convention for a command that could not be run: 127 not found, 126 not executable; any
     * other bad input is a usage error (2); anything else is Overseer's failure (125).
     */
    static int exitCode(OverseerException e) {
        return switch (e.reason()) {
            case EXECUTABLE_NOT_FOUND -> 127;
            case NOT_EXECUTABLE -> 126;
            // any other fault of args[0] (a path that cannot be one) cannot be invoked either
            default -> e.kind() != ErrorKind.INVALID_ARGUMENT ? Main.EXIT_OVERSEER_ERROR
                    : e.field().filter("args[0]"::equals).isPresent() ? 126 : CommandLine.ExitCode.USAGE;
        };
    }
}
