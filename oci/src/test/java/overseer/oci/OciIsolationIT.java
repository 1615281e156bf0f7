package overseer.oci;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.Envelope;
import overseer.core.Exit;
import overseer.core.Isolation;
import overseer.core.LogStream;
import overseer.core.TaskProcess;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Resources;
import overseer.core.Signal;
import overseer.core.Subscription;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.core.User;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What isolation means, checked from inside real containers: each test states one property. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(LeavesNothing.class)
class OciIsolationIT {
    private static final String NS = "iso";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private OciRuntime runtime;
    private Tasks tasks;

    /** "auto": crun where it runs, else runc; {@link OciRuncIsolationIT} forces runc. */
    protected String runtimeName() {
        return "auto";
    }

    /** Whether conmon watches every process; {@link OciConmonIsolationIT} says yes. */
    protected boolean conmonAlways() {
        return false;
    }

    @BeforeEach
    void open() {
        OciTesting.assumeUsable();
        runtime = OciTesting.builder(runtimeName()).conmonAlways(conmonAlways()).build();
        tasks = new Tasks(runtime);
    }

    @AfterEach
    void close() {
        if (tasks != null) {
            tasks.close();
        }
    }

    private static ProcessSpec.Builder sh(String script) {
        return ProcessSpec.builder("/bin/sh", "-c", script).env("PATH", "/usr/bin:/bin").captureOutput();
    }

    private Task run(String id, Isolation iso, ProcessSpec spec) {
        runtime.isolate(NS, id, iso);
        Task t = tasks.create(NS, TaskSpec.of(id, spec));
        t.start();
        return t;
    }

    private static List<String> out(TaskProcess p) throws Exception {
        p.await(WAIT).orElseThrow(() -> new AssertionError(p + " did not exit"));
        p.output().drained().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return p.output().tail(LogStream.STDOUT).lines();
    }

    @Test
    void theCommandIsPidOneWithItsOwnHostnameNoNetworkAndAReadOnlyHost() throws Exception {
        Task t = run("fenced", Isolation.builder().hostname("box-1").build(),
                sh("echo pid=$$; hostname; grep -c : /proc/net/dev; grep -o '^ *lo:' /proc/net/dev | tr -d ' ';"
                        + " touch /usr/overseer-was-here 2>&1 || true; touch /local/mine && echo local-ok").stderr(Redirect.STDOUT).build());

        List<String> lines = out(t);

        assertThat(t.exit().orElseThrow().exitCode()).isZero();
        assertThat(lines.get(0)).isEqualTo("pid=1");
        assertThat(lines.get(1)).isEqualTo("box-1");
        assertThat(lines.get(2)).as("interfaces in /proc/net/dev").isEqualTo("1");
        assertThat(lines.get(3)).isEqualTo("lo:");
        assertThat(lines.get(4)).contains("Read-only file system");
        assertThat(lines.get(5)).isEqualTo("local-ok");
        assertThat(Path.of("/usr/overseer-was-here")).doesNotExist();
    }

    @Test
    void withTheHostNetworkTheHostsInterfacesAreThere() throws Exception {
        Task t = run("hostnet", Isolation.builder().network(Isolation.Network.HOST).build(), sh("grep -c : /proc/net/dev").build());

        assertThat(Integer.parseInt(out(t).getFirst())).isEqualTo(
                (int) Files.readAllLines(Path.of("/proc/net/dev")).stream().filter(l -> l.contains(":")).count());
    }

    @Test
    void privilegesAreCutToDockersDefaults() throws Exception {
        Task t = run("caps", Isolation.DEFAULT,
                sh("grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\\t'; ulimit -n;"
                        + " unshare --mount true 2>/dev/null && echo unshared || echo unshare-refused").build());

        List<String> lines = out(t);

        // Docker's default capabilities as a mask: chown dac_override fowner fsetid kill setgid setuid setpcap
        // net_bind_service net_raw sys_chroot mknod audit_write setfcap.
        assertThat(lines).contains("CapEff:00000000a80425fb", "CapBnd:00000000a80425fb", "NoNewPrivs:1", "Seccomp:2", "1024",
                "unshare-refused");
    }

    @Test
    void runsAsTheSpecsUserWithItsOwnTaskDir() throws Exception {
        Task t = run("nobody", Isolation.DEFAULT,
                sh("id -u; id -g; touch /local/f && echo writable").user(User.parse("nobody")).build());

        assertThat(out(t)).containsExactly("65534", "65534", "writable");
    }

    /**
     * Nomad v0.2's task dir (client/allocdir/alloc_dir.go) and its variables (client/driver/environment/vars.go),
     * seen from inside the container by a user that is not root: the shared alloc/tmp is writable by anyone.
     */
    @Test
    void theTaskSeesNomadsTaskDirAndItsVariablesAsNomadDoes() throws Exception {
        Task t = run("nomad", Isolation.DEFAULT, sh("echo \"$NOMAD_ALLOC_DIR $NOMAD_TASK_DIR $NOMAD_SECRETS_DIR\";"
                + " for d in /alloc/logs /alloc/tmp /alloc/data /local /secrets /tmp; do [ -d $d ] && echo $d; done;"
                + " touch /alloc/tmp/f && echo shared-tmp-ok").user(User.parse("nobody")).build());

        assertThat(out(t)).containsExactly("/alloc /local /secrets", "/alloc/logs", "/alloc/tmp", "/alloc/data", "/local",
                "/secrets", "/tmp", "shared-tmp-ok");
    }

    @Test
    void bindsAndDrivesAppearWithTheirModes(@TempDir Path dir) throws Exception {
        Path shared = Files.writeString(Files.createDirectories(dir.resolve("shared")).resolve("hello"), "from the host");
        Path drive = dir.resolve("drive");
        Isolation iso = Isolation.builder()
                .mount(Isolation.Mount.bind(shared.getParent(), Path.of("/shared"), true))
                .mount(Isolation.Mount.drive(drive, Path.of("/data"), Optional.of(new Isolation.Owner(1000, 1000)), OptionalInt.of(0750)))
                .build();

        Task t = run("mounts", iso, sh("cat /shared/hello; echo; touch /shared/x 2>/dev/null || echo ro; stat -c '%u:%g %a' /data;"
                + " echo kept > /data/file").build());

        assertThat(out(t)).containsExactly("from the host", "ro", "1000:1000 750");
        assertThat(drive.resolve("file")).hasContent("kept");
    }

    @Test
    void execRunsInTheSameNamespaces() throws Exception {
        Task t = run("host", Isolation.builder().hostname("shared-uts").build(), ProcessSpec.of("/bin/sleep", "1000"));

        TaskProcess probe = t.exec("probe", sh("hostname; cat /proc/1/comm; echo $$").build());
        probe.start();
        List<String> lines = out(probe);

        assertThat(probe.exit().orElseThrow().exitCode()).isZero();
        assertThat(lines.get(0)).isEqualTo("shared-uts");
        assertThat(lines.get(1)).isEqualTo("sleep");
        assertThat(Long.parseLong(lines.get(2))).as("pid inside the task's pid namespace").isGreaterThan(1);
        assertThat(t.status()).isEqualTo(overseer.core.Status.RUNNING);
        t.kill(java.time.Instant.now().plus(WAIT)); // sleep as pid 1 ignores the SIGTERM of Tasks.close
    }

    @Test
    void eachProcessRunsUnderTheMonitorThatCanWatchIt() throws Exception {
        String own = conmonAlways() ? "conmon" : "overseer-monitor";
        Task t = run("watched", Isolation.DEFAULT, ProcessSpec.of("/bin/sleep", "1000"));
        TaskProcess exec = t.exec("side", ProcessSpec.of("/bin/sleep", "1000"));
        exec.start();
        Task fed = run("fed", Isolation.DEFAULT, ProcessSpec.builder("/bin/sleep", "1000").stdin(Redirect.PIPE).build());
        try {
            assertThat(monitorOf(t)).as("the init process").isEqualTo(own);
            assertThat(monitorOf(exec)).as("an exec'd process").isEqualTo(own);
            assertThat(monitorOf(fed)).as("a process with stdin").isEqualTo("conmon");
            assertThat(runtime.info().notes()).contains(conmonAlways() ? "every process runs under conmon"
                    : "processes without a terminal or stdin run under overseer-monitor, the others under conmon");
        } finally {
            for (Task task : List.of(t, fed)) {
                task.kill(java.time.Instant.now().plus(WAIT)); // sleep as pid 1 ignores the SIGTERM of Tasks.close
            }
        }
    }

    /** conmon may report the pid while the runtime that started the process is still its parent, exiting. */
    private static String monitorOf(TaskProcess p) {
        return await().atMost(WAIT).ignoreExceptions().until(() -> OciTesting.monitorOf(p.pid()),
                m -> m.equals("conmon") || m.equals("overseer-monitor"));
    }

    @Test
    void theMemoryLimitAppliesAndAnOomKillIsReported() throws Exception {
        long limit = 32L << 20;
        Resources r = Resources.builder().memoryBytes(limit).swapBytes(limit).build();
        runtime.isolate(NS, "hog", Isolation.DEFAULT);
        try (Subscription sub = tasks.events().subscribe()) {
            Task t = tasks.create(NS, TaskSpec.of("hog", sh("echo started; tail /dev/zero").build()).withResources(r));
            t.start();
            await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines().contains("started")
                    || t.exit().isPresent());

            Exit exit = t.await(WAIT).orElseThrow();

            assertThat(exit.oomKilled()).isTrue();
            assertThat(exit.signal()).contains(Signal.SIGKILL);
            List<String> topics = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                sub.poll(WAIT).map(Envelope::topic).ifPresent(topics::add);
            }
            assertThat(topics).containsSubsequence("/tasks/oom", "/tasks/exit");
        }
    }

    @Test
    void statsAndUpdateGoThroughTheTasksCgroup() throws Exception {
        Task t = run("limited", Isolation.DEFAULT, ProcessSpec.of("/bin/sleep", "1000"));
        t.update(Resources.builder().memoryBytes(64L << 20).pidsLimit(50).build());

        var stats = t.stats();

        assertThat(stats.memoryLimitBytes()).isEqualTo(64L << 20);
        assertThat(stats.pids()).isEqualTo(1);
        assertThat(stats.processes()).extracting(s -> s.pid()).containsExactly(t.pid());
        t.kill(java.time.Instant.now().plus(WAIT)); // sleep as pid 1 ignores the SIGTERM of Tasks.close
    }

    @Test
    void aTerminalIsResizedThroughConmon() throws Exception {
        Task t = run("tty", Isolation.builder().terminal(true).build(),
                ProcessSpec.builder("/bin/sh", "-c", "read line; stty size").env("PATH", "/usr/bin:/bin")
                        .stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());

        runtime.task(NS, "tty").resizePty(100, 30);
        t.stdin().write("go\n".getBytes());

        assertThat(out(t)).contains("30 100");
    }

    @Test
    void startHooksRunWithTheContainersState(@TempDir Path dir) throws Exception {
        Path seen = dir.resolve("state.json");
        Isolation iso = Isolation.builder().hooks(new Isolation.Hooks(
                List.of(Isolation.Hook.of(Path.of("/bin/sh"), "-c", "cat > " + seen)), List.of(), List.of())).build();

        Task t = run("hooked", iso, ProcessSpec.of("/bin/true"));
        t.await(WAIT);

        assertThat(Files.readString(seen)).contains("\"id\":\"hooked\"").contains("\"pid\":" + t.pid());
    }

    @Test
    void aProcessGoneBeforeItsStdinWasAttachedStillStartsAndExits() throws Exception {
        for (int i = 0; i < 5; i++) {
            Task t = run("quick-" + i, Isolation.DEFAULT, ProcessSpec.builder("/bin/sh", "-c", "exit 3").stdin(Redirect.PIPE).build());

            assertThat(t.await(WAIT).orElseThrow().exitCode()).isEqualTo(3);
            t.closeStdin();
        }
    }

    @Test
    void aDeletedTasksFilesAndCgroupAreGone() throws Exception {
        Task t = run("gone", Isolation.DEFAULT, ProcessSpec.of("/bin/true"));
        t.await(WAIT);
        t.delete();
        runtime.close(); // waits for the background deletion
        tasks = null;

        assertThat(runtime.stored(NS)).isEmpty();
        assertThat(Cgroups.directories(OciTesting.CGROUP_PARENT + "/" + NS + "/gone")).noneMatch(Files::exists);
    }

    /** Deletes the task and waits for its container to be gone; returns the command lines run meanwhile. */
    private List<String> deleteAndListRuntimeRuns(Task t, String id) throws Exception {
        try (RuntimeRuns runs = new RuntimeRuns()) {
            t.delete();
            runtime.released(NS, id).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return runs.commands();
        }
    }

    @Test
    void aStoppedContainerIsRemovedWithoutRunningTheRuntimeAndItsIdIsFreeAgain() throws Exception {
        Task t = run("quick", Isolation.DEFAULT, ProcessSpec.of("/bin/true"));
        t.await(WAIT);
        List<String> ran = deleteAndListRuntimeRuns(t, "quick");

        assertThat(ran).as("runtime runs for the delete").noneMatch(c -> c.contains(" delete ") && c.contains(" quick: exit"));
        assertThat(runtime.stored(NS)).isEmpty();
        assertThat(Cgroups.directories(OciTesting.CGROUP_PARENT + "/" + NS + "/quick")).noneMatch(Files::exists);
        Task again = run("quick", Isolation.DEFAULT, ProcessSpec.of("/bin/sh", "-c", "exit 4"));
        assertThat(again.await(WAIT).orElseThrow().exitCode()).as("the runtime knows no container of the id").isEqualTo(4);
    }

    @Test
    void aProcessLeftInAStoppedContainersCgroupIsKilledByTheRuntimesDelete() throws Exception {
        Task t = run("left", Isolation.builder().without(Isolation.Namespace.PID).build(),
                sh("sleep 1000 >/dev/null 2>&1 & echo $!").build());
        long pid = Long.parseLong(out(t).getFirst());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("the process the init left").contains(true);
        List<String> ran = deleteAndListRuntimeRuns(t, "left");

        assertThat(ran).as("runtime runs for the delete").anyMatch(c -> c.contains(" delete --force left"));
        await().atMost(WAIT).until(() -> ProcessHandle.of(pid).isEmpty());
        assertThat(Cgroups.directories(OciTesting.CGROUP_PARENT + "/" + NS + "/left")).noneMatch(Files::exists);
    }
}
