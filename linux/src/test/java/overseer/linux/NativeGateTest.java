package overseer.linux;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * overseer-gate, the program a gated process waits in, as the runtime runs it: from its memfd, descriptor 3
 * its go-ahead. Built where the build has a C compiler (here and in CI); elsewhere gates are the shell.
 */
class NativeGateTest {
    @BeforeAll
    static void builtHere() {
        boolean cc = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "cc")));
        assumeTrue(cc, "no C compiler on this machine, so the build made no overseer-gate: gates are /bin/sh");
    }

    @Test
    void theBuildMadeTheGateAndThisJvmRunsIt() {
        assertThat(NativeGate.loaded()).as("gate-%s in the jar, runnable from its memfd", System.getProperty("os.arch"))
                .isPresent();
        assertThat(Gate.best()).isInstanceOf(Gate.Program.class);
        CgroupLayout layout = CgroupLayout.detect();
        if (layout.usesV2()) { // what `overseer info` prints
            assertThat(layout.placement()).contains("a gate (overseer-gate waits");
        }
    }

    /** libspawn, which clones a process straight into its v2 cgroup (CloneSpawnIT), is built for x86_64 alone. */
    @Test
    void theBuildMadeLibspawnAndThisJvmLoadsIt() {
        assumeTrue(LibC.X86_64, "libspawn is built for x86_64 only; here v2 placements are gated");
        assertThat(LibC.cloneSpawnLoaded()).as("spawn-%s in the jar, loaded from its memfd", System.getProperty("os.arch"))
                .isTrue();
        if (CgroupLayout.detect().usesV2()) {
            assertThat(CgroupLayout.detect().placement()).contains("cloned into its v2 cgroup (clone3 CLONE_INTO_CGROUP)");
        }
    }

    @Test
    void withTheGoAheadItExecsTheProgramWithExactlyItsEnvironment() throws Exception {
        Run r = run("go\n", List.of("/usr/bin/env"), List.of("A=1", "B=two words"));
        assertThat(r.exitCode).isZero();
        assertThat(r.stdout).isEqualTo("A=1\nB=two words\n"); // no PWD, nothing added
    }

    @Test
    void withoutTheGoAheadNothingRunsAndItExits125() throws Exception {
        Run r = run("", List.of("/usr/bin/touch", "/tmp/overseer-test-gate-must-not-exist"), List.of());
        assertThat(r.exitCode).isEqualTo(125);
        assertThat(Path.of("/tmp/overseer-test-gate-must-not-exist")).doesNotExist();
    }

    @Test
    void aProgramThatCannotRunIs127WhenMissingAnd126Otherwise() throws Exception {
        Run missing = run("go\n", List.of("/no/such/program"), List.of());
        assertThat(missing.exitCode).isEqualTo(127);
        assertThat(missing.stderr).isEqualTo("overseer-gate: cannot execute /no/such/program: no such file or directory\n");
        assertThat(run("go\n", List.of("/etc/hostname"), List.of()).exitCode).isEqualTo(126);
    }

    private record Run(int exitCode, String stdout, String stderr) {
    }

    /** The gate with {@code goAhead} written to its descriptor 3 (then closed), its output captured. */
    private static Run run(String goAhead, List<String> program, List<String> env) throws Exception {
        Gate.Program gate = NativeGate.loaded().orElseThrow();
        int[] go = pipe();
        int[] out = pipe();
        int[] err = pipe();
        List<String> argv = new java.util.ArrayList<>(gate.argv(java.util.Map.of()));
        argv.addAll(program);
        SpawnPlan plan = new SpawnPlan(gate.path(), argv, env, List.of(new SpawnPlan.FileAction.Open(0, "/dev/null",
                SpawnPlan.OpenMode.READ), new SpawnPlan.FileAction.Dup2(out[1], 1), new SpawnPlan.FileAction.Dup2(err[1], 2),
                new SpawnPlan.FileAction.Dup2(go[0], 3), new SpawnPlan.FileAction.CloseFrom(4)), SpawnPlan.Group.NEW_GROUP);
        int pid = PosixSpawn.spawn(plan);
        int pidfd = PidfdLifecycle.open(pid);
        LibC.close(go[0]);
        LibC.close(out[1]);
        LibC.close(err[1]);
        try (Arena a = Arena.ofConfined()) {
            if (!goAhead.isEmpty()) {
                LibC.write(go[1], a.allocateFrom(goAhead), goAhead.length());
            }
            LibC.close(go[1]);
            String stdout = drain(out[0]);
            String stderr = drain(err[0]);
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            LibC.waitidPidfd(pidfd, info, LibC.WEXITED);
            return new Run(Child.exitOf(info).exitCode(), stdout, stderr);
        } finally {
            LibC.close(pidfd);
        }
    }

    private static int[] pipe() throws LibC.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8, 4);
            LibC.pipe2(fds, LibC.O_CLOEXEC);
            return new int[] {fds.get(java.lang.foreign.ValueLayout.JAVA_INT, 0), fds.get(java.lang.foreign.ValueLayout.JAVA_INT, 4)};
        }
    }

    private static String drain(int fd) throws LibC.Errno {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long n;
            while ((n = LibC.read(fd, buf, buf.byteSize())) > 0) {
                bytes.write(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0, (int) n);
            }
        } finally {
            LibC.close(fd);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
