package overseer.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parsing stops at the command: for run its first word, for create and exec the task id. What follows is
 * the command's, its flags included, with or without `--`.
 */
class ArgumentsTest {
    private static <T> T parsed(Class<T> verb, String... args) {
        CommandLine.ParseResult r = Main.commandLine(args).parseArgs(args);
        return verb.cast(r.subcommand().commandSpec().userObject());
    }

    @Test
    void runLeavesTheCommandsFlagsToIt() {
        assertThat(parsed(RunCommand.class, "run", "/bin/ls", "-d", "/tmp").command).containsExactly("/bin/ls", "-d", "/tmp");
        RunCommand echo = parsed(RunCommand.class, "run", "/bin/echo", "-e", "A=b", "hello");
        assertThat(echo.command).containsExactly("/bin/echo", "-e", "A=b", "hello");
        assertThat(echo.env).isEmpty();
        assertThat(echo.detach).isFalse();
        RunCommand withOptions = parsed(RunCommand.class, "run", "-e", "X=1", "--", "/bin/sh", "-c", "echo $X");
        assertThat(withOptions.env).containsExactly("X=1");
        assertThat(withOptions.command).containsExactly("/bin/sh", "-c", "echo $X");
    }

    @Test
    void execAndCreateTakeEverythingAfterTheTaskId() {
        ClientCommands.Exec exec = parsed(ClientCommands.Exec.class, "exec", "-it", "web", "/bin/sh", "-e", "-u", "x");
        assertThat(exec.p.id).isEqualTo("web");
        assertThat(exec.p.command).containsExactly("/bin/sh", "-e", "-u", "x");
        assertThat(exec.p.env).isEmpty();
        assertThat(exec.p.user).isNull();
        assertThat(exec.tty).isTrue();
        ClientCommands.Exec dashed = parsed(ClientCommands.Exec.class, "exec", "web", "--", "/bin/ls", "-l");
        assertThat(dashed.p.command).containsExactly("/bin/ls", "-l");
        CreateCommand create = parsed(CreateCommand.class, "create", "web", "/bin/ls", "-d", "/tmp");
        assertThat(create.command).isEqualTo(List.of("web", "/bin/ls", "-d", "/tmp")); // its call takes the id off
        assertThat(create.detach).isFalse();
    }

    @Test
    void aNamedVerbIsTheOnlyOneBuiltAndEverythingElseGetsThemAll() {
        assertThat(Main.commandLine(new String[]{"ps", "-a"}).getSubcommands()).containsOnlyKeys("ps");
        assertThat(Main.commandLine(new String[]{"-H", "/tmp/s", "-n", "ns", "logs", "web"}).getSubcommands()).containsOnlyKeys("logs");
        assertThat(Main.commandLine(new String[]{"--socket=/tmp/s", "stop", "web"}).getSubcommands()).containsOnlyKeys("stop");
        int all = Main.commandLine().getSubcommands().size();
        assertThat(all).isGreaterThan(20);
        for (String[] args : List.of(new String[]{}, new String[]{"sp"}, new String[]{"--help"}, new String[]{"help", "ps"},
                new String[]{"generate-completion"}, new String[]{"-H", "ps"})) {
            assertThat(Main.commandLine(args).getSubcommands()).as(String.join(" ", args)).hasSize(all);
        }
    }
}
