package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import overseer.core.Envelope;
import overseer.core.Event;
import overseer.core.LogStream;
import overseer.core.TaskProcess;
import overseer.core.Redirect;
import overseer.core.Signal;
import overseer.core.Subscription;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static overseer.linux.CgroupFixture.sh;

/**
 * Nothing of a task outlives its init (systemd's KillMode=control-group, docker): when the init exits, the
 * processes it left are killed. Without a cgroup that reaches its process group; with one (every daemon
 * task and foreground run has one) it reaches even a process that left the group.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeftoversIT extends CgroupTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<Long> strays = new CopyOnWriteArrayList<>();

    @AfterEach
    void killStrays() {
        strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    @Test
    void aBackgroundJobDiesWithItsInitWithoutACgroup() throws Exception {
        try (Tasks tasks = new Tasks(new NativeRuntime())) {
            Task t = tasks.create(CgroupFixture.NS, TaskSpec.of(CgroupFixture.uniqueId("bg"),
                    sh("sleep 1000 & echo $!; exit 0").stdout(Redirect.PIPE).build()));
            t.start();
            long background = firstPid(t);

            assertThat(t.await(WAIT).orElseThrow().exitCode()).isZero();

            await().atMost(WAIT).until(() -> !alive(background));
        }
    }

    @Test
    void aProcessThatLeftTheGroupDiesWithItsInitInTheCgroup() throws Exception {
        cg = CgroupFixture.detected();
        NativeRuntime every = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true), cg.layout);
        try (Tasks tasks = new Tasks(every)) {
            // setsid: a new session and group, out of reach of any signal to the init's group. The init exits
            // once the sleep leads its own group (field 5 of /proc/PID/stat).
            Task t = tasks.create(CgroupFixture.NS, TaskSpec.of(CgroupFixture.uniqueId("setsid"),
                    sh("setsid sleep 1000 & echo $!; until [ \"$(cut -d' ' -f5 /proc/$!/stat)\" = $! ]; do :; done; exit 0")
                            .stdout(Redirect.PIPE).build()));
            t.start();
            long escaped = firstPid(t);

            assertThat(t.await(WAIT).orElseThrow().exitCode()).isZero();

            await().atMost(WAIT).until(() -> !alive(escaped));
            assertThat(t.pids()).isEmpty();
        }
    }

    /** containerd (runtime/v2/runc shim, handleInitExit): execs die with the init, whose exit comes last. */
    @Test
    void execsAreKilledWhenTheInitExitsAndItsExitIsPublishedLast() throws Exception {
        cg = CgroupFixture.detected();
        NativeRuntime every = new NativeRuntime(NativeRuntime.Options.defaults().withCgroupParent(cg.parent)
                .withCgroupEveryTask(true), cg.layout);
        try (Tasks tasks = new Tasks(every); Subscription sub = tasks.events().subscribe()) {
            Task t = tasks.create(CgroupFixture.NS, TaskSpec.of(CgroupFixture.uniqueId("execs"),
                    sh("exec sleep 1000").build()));
            t.start();
            TaskProcess a = t.exec("a", sh("exec sleep 1000").build());
            TaskProcess b = t.exec("b", sh("trap '' TERM; sleep 1000 & wait").build());
            a.start();
            b.start();

            t.kill(Signal.SIGKILL, false);

            assertThat(t.await(WAIT).orElseThrow().signal()).contains(Signal.SIGKILL);
            assertThat(a.exit()).hasValueSatisfying(e -> assertThat(e.signal()).contains(Signal.SIGKILL));
            assertThat(b.exit()).hasValueSatisfying(e -> assertThat(e.signal()).contains(Signal.SIGKILL));
            List<String> exits = new ArrayList<>();
            while (exits.size() < 3) {
                Envelope e = sub.poll(WAIT).orElseThrow(() -> new AssertionError("only " + exits + " exited"));
                if (e.event() instanceof Event.TaskExit x) {
                    exits.add(x.execId());
                }
            }
            assertThat(exits).containsExactlyInAnyOrder("a", "b", t.id());
            assertThat(exits.getLast()).isEqualTo(t.id());
        }
    }

    private long firstPid(Task t) {
        String line = await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines(), l -> !l.isEmpty())
                .getFirst();
        long pid = Long.parseLong(line.strip());
        strays.add(pid);
        return pid;
    }

    /** Running, not a zombie: a killed orphan may wait a while for init to reap it. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }
}
