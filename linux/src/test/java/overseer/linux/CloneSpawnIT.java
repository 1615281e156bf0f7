package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import overseer.core.ErrorKind;
import overseer.core.LogStream;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.SpawnPlan.FileAction;
import overseer.linux.SpawnPlan.OpenMode;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * libspawn (spawn.c) on real processes and a real v2 cgroup: the child is born inside, and every step of its
 * plan is carried out as posix_spawn would; a task without limits is born in its cgroup with or without the gate.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloneSpawnIT extends CgroupTestBase {
    private Path v2Parent;
    private Path cgroup;

    @BeforeEach
    void cgroup() throws IOException {
        CgroupLayout layout = CgroupFixture.requireCgroups();
        assumeTrue(layout.v2().isPresent(), "no cgroup v2 mount here: nothing to clone into");
        assumeTrue(LibC.cloneSpawnLoaded(), "this build has no libspawn for " + System.getProperty("os.arch")
                + " (no C compiler, or not x86_64)");
        v2Parent = layout.v2().orElseThrow().mount().resolve("overseer-test-clone-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
        cgroup = Files.createDirectories(v2Parent.resolve("c"));
    }

    @AfterEach
    void removeCgroup() throws IOException {
        if (v2Parent != null) {
            for (Path d : List.of(cgroup, v2Parent)) {
                if (Files.exists(d.resolve("cgroup.kill"))) {
                    Files.writeString(d.resolve("cgroup.kill"), "1");
                }
                for (int i = 0; i < 200 && Files.exists(d); i++) {
                    try {
                        Files.delete(d);
                    } catch (IOException busy) {
                        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                    }
                }
            }
        }
    }

    @Test
    void theProgramsFirstInstructionRunsInItsCgroup(@TempDir Path dir) throws Exception {
        assertThat(CloneSpawn.works(cgroup)).as("clone3 into a cgroup works on this host").isTrue();
        Path out = dir.resolve("out");
        int pid = CloneSpawn.spawn(new SpawnPlan("/bin/cat", List.of("cat", "/proc/self/cgroup"), List.of(), List.of(
                new FileAction.Open(1, out.toString(), OpenMode.WRITE_TRUNCATE), new FileAction.CloseFrom(3)),
                SpawnPlan.Group.NEW_GROUP), Optional.of(cgroup));

        assertThat(reap(pid)).isZero();
        String v2Path = "/" + cgroup.getParent().getParent().relativize(cgroup);
        assertThat(Files.readAllLines(out)).contains("0::" + v2Path);
    }

    @Test
    void everyStepOfThePlanIsCarriedOutBeforeTheExec(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        // The shell's own mask, read by builtins: dash blocks every signal around each fork, so a child of it
        // reading the shell's status could catch that moment.
        String script = "echo \"$A\"; pwd; while read -r l; do case $l in SigBlk*|SigIgn*) echo \"$l\";; esac; done < /proc/$$/status;"
                + " cut -d' ' -f5,6 /proc/$$/stat; ls /proc/$$/fd; exit 3";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            LibC.pipe2(fds, LibC.O_CLOEXEC);
            int keep = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            int other = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            // Blocked in the spawning thread: the child must still start with an empty mask.
            MemorySegment ttou = a.allocate(LibC.SIGSET_SIZE, 8);
            LibC.sigemptyset(ttou);
            LibC.sigaddset(ttou, LibC.SIGTTOU);
            LibC.pthreadSigmask(LibC.SIG_BLOCK, ttou, MemorySegment.NULL);
            int pid;
            try {
                pid = CloneSpawn.spawn(new SpawnPlan("/bin/sh", List.of("sh", "-c", script), List.of("A=1", "PATH=/usr/bin:/bin"),
                        List.of(new FileAction.Open(0, "/dev/null", OpenMode.READ),
                                new FileAction.Open(1, out.toString(), OpenMode.WRITE_TRUNCATE),
                                new FileAction.Dup2(1, 2),
                                new FileAction.Chdir(dir.toString()),
                                new FileAction.Dup2(keep, 7), // close-on-exec in the parent, kept in the child
                                new FileAction.Dup2(7, 7), // onto itself: stays open
                                new FileAction.Dup2(other, 9),
                                new FileAction.CloseFrom(8)), // which closes 9 again
                        SpawnPlan.Group.NEW_SESSION), Optional.of(cgroup));
            } finally {
                LibC.pthreadSigmask(LibC.SIG_UNBLOCK, ttou, MemorySegment.NULL);
                LibC.close(keep);
                LibC.close(other);
            }

            assertThat(reap(pid)).as("exit code").isEqualTo(3);
            List<String> lines = Files.readAllLines(out);
            assertThat(lines.subList(0, 5)).containsExactly("1", dir.toString(), "SigBlk:\t0000000000000000",
                    "SigIgn:\t0000000000000000", pid + " " + pid); // its session and group
            assertThat(lines.subList(5, lines.size())).as("descriptors").contains("0", "1", "2", "7").doesNotContain("9");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        }
    }

    /**
     * The pipe's end reaches the child through a descriptor slot, and the slot lets go of it once the child
     * runs: only the parent's own read end is left here, so the reader sees the end of the output.
     */
    @Test
    void aDescriptorHandedOverThroughASlotIsNotHeldAfterwards() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            LibC.pipe2(fds, LibC.O_CLOEXEC);
            int read = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            int write = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            String pipe = Files.readSymbolicLink(Path.of("/proc/self/fd/" + read)).toString();
            int pid;
            try {
                pid = CloneSpawn.spawn(new SpawnPlan("/bin/sh", List.of("sh", "-c", "ls /proc/$$/fd"), List.of(),
                        List.of(new FileAction.Dup2(write, 1), new FileAction.CloseFrom(3)), SpawnPlan.Group.NEW_GROUP), Optional.of(cgroup));
            } finally {
                LibC.close(write);
            }
            assertThat(reap(pid)).isZero();
            assertThat(holders(pipe)).as("descriptors of this JVM on the pipe").isEqualTo(1);

            MemorySegment buf = a.allocate(4096);
            StringBuilder out = new StringBuilder();
            for (long n; (n = LibC.read(read, buf, buf.byteSize())) > 0; ) {
                out.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
            }
            LibC.close(read);
            assertThat(out.toString().lines().toList()).as("the child's descriptors: stdio, and what ls opened")
                    .allSatisfy(fd -> assertThat(Integer.parseInt(fd)).isLessThan(4));
        }
    }

    private static long holders(String pipe) throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(f -> {
                try {
                    return Files.readSymbolicLink(f).toString().equals(pipe);
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void aProgramThatCannotBeExecutedIsTheCallersMistakeNamingArgs0AndLeavesNoChild() {
        SpawnPlan plan = SpawnPlan.of(List.of("/nonexistent/program"), List.of(), SpawnPlan.Group.NEW_GROUP);

        assertThatThrownBy(() -> CloneSpawn.spawn(plan, Optional.of(cgroup))).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith("args[0]: cannot execute \"/nonexistent/program\": ENOENT");
        });
        assertThat(CgroupFs.pids(cgroup.resolve("cgroup.procs"))).as("the failed child was reaped").isEmpty();
    }

    @Test
    void aCgroupThatIsGoneIsRefusedNamingIt() throws IOException {
        Files.delete(cgroup);
        SpawnPlan plan = SpawnPlan.of(List.of("/bin/true"), List.of(), SpawnPlan.Group.NEW_GROUP);

        assertThatThrownBy(() -> CloneSpawn.spawn(plan, Optional.of(cgroup))).isInstanceOfSatisfying(OverseerException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("cannot place \"/bin/true\" in " + cgroup);
        });
    }

    /** The daemon's case: a cgroup for every task, without limits, so its v2 tracking cgroup is its only one. */
    @ParameterizedTest(name = "cloned into its cgroup: {0}")
    @ValueSource(booleans = {true, false})
    void aTaskWithoutLimitsIsBornInItsCgroupClonedOrGated(boolean clone) throws Exception {
        cg = CgroupFixture.detected();
        NativeRuntime every = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true).withCloneIntoCgroup(clone), cg.layout);
        try (Tasks tasks = new Tasks(every)) {
            Task t = tasks.create(CgroupFixture.NS, TaskSpec.of(CgroupFixture.uniqueId("born"),
                    ProcessSpec.builder("/bin/cat", "/proc/self/cgroup").captureOutput().build()));
            t.start();
            assertThat(t.await().exitCode()).isZero();
            t.output().drained().get(10, TimeUnit.SECONDS);
            assertThat(t.output().tail(LogStream.STDOUT).lines())
                    .contains("0::/" + cg.parent + "/" + CgroupFixture.NS + "/" + t.id());
        }
    }

    private static int reap(int pid) throws LibC.Errno {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(LibC.SIGINFO_SIZE, 8);
            LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED);
            return info.get(ValueLayout.JAVA_INT, LibC.SIGINFO_STATUS);
        }
    }
}
