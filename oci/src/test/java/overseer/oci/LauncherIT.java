package overseer.oci;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import overseer.linux.BundledProgram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What runs the runtime in a mount namespace of its own: overseer-unshare (built where the build has a C
 * compiler, here and in CI), and util-linux's unshare with the shell where there is none. Each runs a real
 * container, and neither leaves a mount in this JVM's namespace.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(LeavesNothing.class)
class LauncherIT {
    private static Path unshare;

    @BeforeAll
    static void usable() {
        OciTesting.assumeUsable();
        boolean cc = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "cc")));
        assumeTrue(cc, "no C compiler on this machine, so the build made no overseer-unshare: runtimes run under unshare");
        unshare = RuntimeProbe.which("unshare").orElseThrow();
    }

    private static Launcher.Native bundled() {
        Launcher best = Launcher.best(unshare);
        assertThat(best).as("unshare-%s in the jar, runnable from its memfd", System.getProperty("os.arch"))
                .isInstanceOf(Launcher.Native.class);
        return (Launcher.Native) best;
    }

    private static Program.Result run(Launcher launcher, boolean cover, boolean createRuns, String... command) {
        List<String> argv = new ArrayList<>(launcher.argv(cover, createRuns));
        argv.addAll(List.of(command));
        return Program.run(argv);
    }

    @Test
    void overseerUnshareRunsTheProgramInAPrivateMountNamespace() throws Exception {
        String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
        Program.Result r = run(bundled(), false, false, "/bin/sh", "-c", "readlink /proc/self/ns/mnt; grep ' / / ' /proc/self/mountinfo");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines.get(0)).startsWith("mnt:[").isNotEqualTo(ours);
        assertThat(lines.get(1)).as("the root mount's propagation").doesNotContain("shared:");
    }

    @Test
    void theCoverIsAnEmptyTmpfsThatOnlyTheProgramSees(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hidden"), "x");
        for (Launcher launcher : List.of(bundled(), new Launcher.Shell(unshare))) {
            Program.Result r = Program.run(coverArgv(launcher, dir, "/bin/sh", "-c", "ls -A " + dir + "; stat -f -c %T " + dir));
            assertThat(r.exitCode()).as(launcher + ": " + r.stderr()).isZero();
            assertThat(r.stdout().lines().toList()).as(launcher.describe()).containsExactly("tmpfs");
            assertThat(dir.resolve("hidden")).as("seen from this JVM").exists();
        }
    }

    @Test
    void createRunsTurnsTheFirstCreateAfterTheProgramIntoRunDetach() {
        Program.Result r = run(bundled(), false, true, "/bin/echo", "--root", "/r", "--log", "/l", "create", "--bundle", "create");
        assertThat(r.stdout().strip()).isEqualTo("--root /r --log /l run --detach --bundle create");
        Program.Result shell = run(new Launcher.Shell(unshare), false, true, "/bin/echo", "--root", "/r", "--log", "/l", "create", "--bundle", "create");
        assertThat(shell.stdout().strip()).isEqualTo(r.stdout().strip());
    }

    @Test
    void itsOwnFailuresAre125AndAProgramThatCannotRunIs127() {
        Launcher.Native n = bundled();
        Program.Result unknown = Program.run(List.of(n.path(), "--bogus", "/bin/true"));
        assertThat(unknown.exitCode()).isEqualTo(125);
        assertThat(unknown.stderr()).isEqualTo("overseer-unshare: unknown option --bogus\n");
        Program.Result missing = Program.run(List.of(n.path(), "/no/such/runtime"));
        assertThat(missing.exitCode()).isEqualTo(127);
        assertThat(missing.stderr()).isEqualTo("overseer-unshare: cannot execute /no/such/runtime: no such file or directory\n");
        Program.Result cover = Program.run(List.of(n.path(), "--cover=/no/such/dir", "/bin/true"));
        assertThat(cover.exitCode()).isEqualTo(125);
        assertThat(cover.stderr()).isEqualTo("overseer-unshare: mounting the cover over /no/such/dir: errno 2\n");
    }

    @Test
    void aProgramThatCannotBeSpawnedIsNotUsedAndNothingIsThrown() {
        assertThat(Launcher.runs(new Launcher.Native("/no/such/overseer-unshare"))).isFalse();
        assertThat(Launcher.runs(bundled())).isTrue();
    }

    @Test
    void eachLauncherRunsARealContainer() {
        for (Launcher launcher : List.of(bundled(), new Launcher.Shell(unshare))) {
            Path dir = OciTesting.stateDir();
            RuntimeProbe.Found found = RuntimeProbe.choose("auto", dir, launcher, OciTesting.CGROUP_PARENT);
            assertThat(found.binary().launcher()).isEqualTo(launcher);
            assertThat(found.notes()).first().isEqualTo(launcher.describe());
            assertThat(found.notes()).last().asString().contains("run");
        }
        Cgroups.removeEmpty(OciTesting.CGROUP_PARENT); // the probe removes only its own directories
    }

    /** The launcher's command line with the cover over {@code dir} instead of /sys/fs/cgroup/unified. */
    private static List<String> coverArgv(Launcher launcher, Path dir, String... command) {
        List<String> argv = new ArrayList<>();
        for (String a : launcher.argv(true, false)) {
            argv.add(a.replace(Launcher.UNIFIED, dir.toString()));
        }
        argv.addAll(List.of(command));
        return argv;
    }
}
