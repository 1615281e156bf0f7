package overseer.linux;

import org.junit.jupiter.api.Test;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.linux.ProcessPlans.ChildEnds;
import overseer.linux.SpawnPlan.FileAction;
import overseer.linux.SpawnPlan.FileAction.Chdir;
import overseer.linux.SpawnPlan.FileAction.CloseFrom;
import overseer.linux.SpawnPlan.FileAction.Dup2;
import overseer.linux.SpawnPlan.FileAction.Open;
import overseer.linux.SpawnPlan.FileAction.TakeTerminal;
import overseer.linux.SpawnPlan.OpenMode;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plan of a process's spawn, from its spec and its descriptors: no process is spawned here. */
class ProcessPlansTest {
    private static final Path TRUE = Path.of("/usr/bin/true");
    private static final int NONE = ChildEnds.NONE;
    private static final Credentials NOBODY = new Credentials(65534, 65534, List.of());
    private static final Optional<Path> SETPRIV = Optional.of(Path.of("/usr/bin/setpriv"));
    private static final Gate SHELL = new Gate.Shell();

    private static SpawnPlan plan(ProcessSpec spec, ChildEnds ends) {
        return ProcessPlans.plan(spec, TRUE, Optional.empty(), Optional.empty(), SHELL, ends);
    }

    @Test
    void aPlainProcessRunsItsOwnCommandLineWithStdioOnDevNullInANewGroup() {
        SpawnPlan p = plan(ProcessSpec.of("true", "-x"), ChildEnds.NOTHING);

        assertThat(p.program()).isEqualTo("/usr/bin/true");
        assertThat(p.argv()).containsExactly("true", "-x"); // args[0] as the spec gave it
        assertThat(p.env()).isEmpty();
        assertThat(p.group()).isEqualTo(SpawnPlan.Group.NEW_GROUP);
        assertThat(p.actions()).containsExactly(
                new Open(0, "/dev/null", OpenMode.READ),
                new Open(1, "/dev/null", OpenMode.WRITE),
                new Open(2, "/dev/null", OpenMode.WRITE),
                new CloseFrom(3));
    }

    @Test
    void theEnvironmentIsExactlyTheSpecs() {
        SpawnPlan p = plan(ProcessSpec.builder("true").env("A", "1").env("B", "x=y").build(), ChildEnds.NOTHING);

        assertThat(p.env()).containsExactlyInAnyOrder("A=1", "B=x=y");
    }

    @Test
    void pipesAreTheGivenEndsAndStderrCanFollowStdout() {
        ProcessSpec spec = ProcessSpec.builder("true").stdin(Redirect.PIPE).stdout(Redirect.PIPE)
                .stderr(Redirect.STDOUT).build();

        SpawnPlan p = plan(spec, new ChildEnds(7, 9, NONE, NONE, Optional.empty(), NONE));

        assertThat(p.actions()).containsExactly(new Dup2(7, 0), new Dup2(9, 1), new Dup2(1, 2), new CloseFrom(3));
    }

    @Test
    void inheritedStreamsAreLeftAlone() {
        ProcessSpec spec = ProcessSpec.builder("true").stdin(Redirect.INHERIT).stdout(Redirect.INHERIT)
                .stderr(Redirect.INHERIT).build();

        assertThat(plan(spec, ChildEnds.NOTHING).actions()).containsExactly(new CloseFrom(3));
    }

    @Test
    void filesAreOpenedForTheirDirection() {
        ProcessSpec spec = ProcessSpec.builder("true").stdin(Redirect.file(Path.of("/in")))
                .stdout(Redirect.file(Path.of("/out"))).stderr(Redirect.append(Path.of("/err"))).build();

        assertThat(plan(spec, ChildEnds.NOTHING).actions()).containsExactly(
                new Open(0, "/in", OpenMode.READ),
                new Open(1, "/out", OpenMode.WRITE_TRUNCATE),
                new Open(2, "/err", OpenMode.WRITE_APPEND),
                new CloseFrom(3));
    }

    @Test
    void aPipeWithoutItsEndIsAProgrammingError() {
        ProcessSpec spec = ProcessSpec.builder("true").stdout(Redirect.PIPE).build();

        assertThatThrownBy(() -> plan(spec, ChildEnds.NOTHING)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fd 1");
    }

    @Test
    void theWorkingDirectoryIsChangedAfterTheRedirectsSoRelativeFilesAreNotAffected() {
        SpawnPlan p = plan(ProcessSpec.builder("true").cwd(Path.of("/tmp")).build(), ChildEnds.NOTHING);

        assertThat(p.actions()).endsWith(new Chdir("/tmp"), new CloseFrom(3));
    }

    @Test
    void aTerminalIsOpenedByNameAsAllThreeStreamsOfANewSession() {
        ProcessSpec spec = ProcessSpec.builder("true").terminal().build();

        SpawnPlan p = plan(spec, new ChildEnds(NONE, NONE, NONE, NONE, Optional.of("/dev/pts/9"), NONE));

        assertThat(p.group()).isEqualTo(SpawnPlan.Group.NEW_SESSION);
        assertThat(p.actions()).containsExactly(new Open(0, "/dev/pts/9", OpenMode.READ_WRITE), new Dup2(0, 1),
                new Dup2(0, 2), new CloseFrom(3));
    }

    @Test
    void aForegroundJobTakesTheTerminalBeforeAnythingIsClosed() {
        ProcessSpec spec = ProcessSpec.builder("true").stdin(Redirect.INHERIT).build();

        SpawnPlan p = plan(spec, new ChildEnds(NONE, NONE, NONE, NONE, Optional.empty(), 5));

        assertThat(p.actions()).endsWith(new TakeTerminal(5), new CloseFrom(3));
    }

    @Test
    void aGatedProcessIsTheShellReadingFd3ThenExecingTheResolvedProgram() {
        SpawnPlan p = plan(ProcessSpec.of("true", "a b"), new ChildEnds(NONE, NONE, NONE, 11, Optional.empty(), NONE));

        assertThat(p.program()).isEqualTo("/bin/sh");
        assertThat(p.argv()).containsExactly("/bin/sh", "-c", ProcessPlans.GATE_SCRIPT, "overseer-gate",
                "/usr/bin/true", "a b");
        List<FileAction> actions = p.actions();
        assertThat(actions).endsWith(new Dup2(11, 3), new CloseFrom(4)); // fd 3 survives, nothing above it
    }

    @Test
    void behindTheNativeGateTheCommandLineIsTheGateThenTheResolvedProgram() {
        Gate.Program gate = new Gate.Program("/proc/1/fd/9");
        ProcessSpec spec = ProcessSpec.builder("true", "a b").env("PWD", "/srv").build();

        SpawnPlan p = ProcessPlans.plan(spec, TRUE, Optional.empty(), Optional.empty(), gate,
                new ChildEnds(NONE, NONE, NONE, 11, Optional.empty(), NONE));

        assertThat(p.program()).isEqualTo("/proc/1/fd/9");
        assertThat(p.argv()).containsExactly("overseer-gate", "/usr/bin/true", "a b"); // PWD is left as the spec set it
        assertThat(p.env()).containsExactly("PWD=/srv");
        assertThat(p.actions()).endsWith(new Dup2(11, 3), new CloseFrom(4));
    }

    @Test
    void aGatedProcessWhoseSpecSetsPwdGetsItBack() {
        ProcessSpec spec = ProcessSpec.builder("true").env("PWD", "/srv").build();

        SpawnPlan p = plan(spec, new ChildEnds(NONE, NONE, NONE, 11, Optional.empty(), NONE));

        assertThat(p.argv()).containsExactly("/bin/sh", "-c", ProcessPlans.GATE_SCRIPT_PWD, "overseer-gate", "/srv",
                "/usr/bin/true");
    }

    @Test
    void anotherUserGoesThroughSetpriv() {
        SpawnPlan p = ProcessPlans.plan(ProcessSpec.of("true", "x"), TRUE, Optional.of(NOBODY), SETPRIV, SHELL, ChildEnds.NOTHING);

        assertThat(p.program()).isEqualTo("/usr/bin/setpriv");
        assertThat(p.argv()).containsExactly("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--", "/usr/bin/true", "x");
    }

    @Test
    void gatedAndAnotherUserIsTheGateThenSetprivThenTheProgram() {
        SpawnPlan p = ProcessPlans.plan(ProcessSpec.of("true"), TRUE, Optional.of(NOBODY), SETPRIV, SHELL,
                new ChildEnds(NONE, NONE, NONE, 4, Optional.empty(), NONE));

        assertThat(p.program()).isEqualTo("/bin/sh");
        assertThat(p.argv()).containsSubsequence("overseer-gate", "/usr/bin/setpriv", "--", "/usr/bin/true");
    }

    @Test
    void anotherUserWithoutSetprivIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ProcessPlans.plan(ProcessSpec.of("true"), TRUE, Optional.of(NOBODY), Optional.empty(), SHELL,
                ChildEnds.NOTHING))
                .isInstanceOf(OverseerException.class).hasMessageStartingWith("user: ").hasMessageContaining("setpriv");
    }

    @Test
    void aPlanNeedsACommandLine() {
        assertThatThrownBy(() -> new SpawnPlan("/bin/true", List.of(), List.of(), List.of(), SpawnPlan.Group.INHERIT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("argv: ");
    }

    @Test
    void errnoNamesAndWhichOnesBlameTheProgram() {
        assertThat(Errnos.name(Errnos.ENOENT)).isEqualTo("ENOENT");
        assertThat(Errnos.name(999)).isEqualTo("errno 999");
        assertThat(Errnos.badProgram(Errnos.EACCES)).isTrue();
        assertThat(Errnos.badProgram(Errnos.ENOEXEC)).isTrue();
        assertThat(Errnos.badProgram(Errnos.EAGAIN)).isFalse();
        assertThat(Errnos.badProgram(Errnos.ENOMEM)).isFalse();
    }
}
