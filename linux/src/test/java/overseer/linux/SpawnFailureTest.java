package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.Exit;
import overseer.core.OverseerException;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Signal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What a start or an adoption that fails after the process exists leaves behind: nothing. The failures are
 * real: this JVM's descriptor table is filled up to a lowered soft RLIMIT_NOFILE right around the start, so
 * that pidfd_open or dup fail with EMFILE; an adoption's epoll registration fails on a closed event loop.
 */
class SpawnFailureTest {
    private final EventLoop loop = new EventLoop("test-spawn-failure");
    private final Spawner spawner = new Spawner(List.of());
    private final Host host = host(loop);
    private final List<Long> cleanUp = new ArrayList<>();
    private String marker;

    @BeforeEach
    void warmUp() throws Exception {
        // Every class the start's paths need is loaded now: with no descriptor left, none could be read.
        run(ProcessSpec.builder("/bin/true").build());
        run(ProcessSpec.builder("/bin/true").terminal().build());
        OverseerException.internal("warm-up", new LibC.Errno("warm-up", Errnos.EMFILE)).getMessage();
        // The warm-up's descriptors (a terminal's master, pipes) are closed on the loop's thread after the exit is
        // reported: one closed while a test holds the table full would be a free slot (CI saw a start succeed).
        await().atMost(5, TimeUnit.SECONDS).until(() -> loop.watched() == 0);
        // GNU sleep sums its arguments: the marker adds a few microseconds and names the child in /proc.
        marker = "0.0000" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (long pid : markedProcesses()) { // a failed test's leftover child: killed and reaped
            Pidfd.signal(pid, Signal.SIGKILL);
            reap((int) pid);
        }
        for (long pid : cleanUp) {
            Pidfd.signal(pid, Signal.SIGKILL);
            reap((int) pid);
        }
        spawner.close();
        loop.close();
    }

    @Test
    void aChildWhosePidfdCannotBeOpenedIsKilledAndReaped() throws Exception {
        NativeProcess p = process(host, ProcessSpec.builder("/bin/sleep", "1000", marker)
                .stdin(Redirect.INHERIT).stdout(Redirect.INHERIT).stderr(Redirect.INHERIT).build());
        java.util.Map<String, String> fds = openFds();

        // No pipes: the spawn takes no descriptor of ours, and pidfd_open finds none left.
        RuntimeException failure = withDescriptorsExhausted(0, () -> p.start(e -> { }));

        assertThat(failure).isInstanceOf(OverseerException.class).hasMessageContaining("cannot watch process")
                .hasMessageContaining("EMFILE");
        assertNothingLeft(p, fds);
    }

    @Test
    void aChildWhoseTerminalCannotBeSharedIsKilledAndReapedAndItsTerminalClosed() throws Exception {
        NativeProcess p = process(host, ProcessSpec.builder("/bin/sleep", "1000", marker).terminal().build());
        java.util.Map<String, String> fds = openFds();

        // Room for the terminal's two ends: after the spawn the slave's goes to the pidfd, and no copy of the
        // master (for stdin and the size) can be made.
        RuntimeException failure = withDescriptorsExhausted(2, () -> p.start(e -> { }));

        assertThat(failure).isInstanceOf(OverseerException.class).hasMessageContaining("cannot watch process")
                .hasMessageContaining("EMFILE");
        assertNothingLeft(p, fds);
        assertThatThrownBy(p::stdin).hasMessageContaining("stdin is not a pipe");
    }

    @Test
    void anAdoptionThatCannotBeWatchedForgetsItsPidfdAndSignalsNothingThatGotItsNumber() throws Exception {
        Child target = Child.spawn(List.of("/bin/sleep", "1000"), List.of(), Optional.empty(),
                Child.DEV_NULL, Child.DEV_NULL, Child.DEV_NULL);
        Child victim = Child.spawn(List.of("/bin/sleep", "1000"), List.of(), Optional.empty(),
                Child.DEV_NULL, Child.DEV_NULL, Child.DEV_NULL);
        target.close();
        victim.close();
        cleanUp.add((long) target.pid());
        cleanUp.add((long) victim.pid());
        EventLoop closed = new EventLoop("test-closed-loop");
        closed.close(); // its epoll descriptor is gone: registering with it fails
        NativeProcess p = process(host(closed), ProcessSpec.of("/bin/sleep", "1000"));
        long startTime = ProcFs.startTime(target.pid()).orElseThrow();
        int lowestFree = LibC.pidfdOpen(target.pid());
        LibC.close(lowestFree);

        assertThatThrownBy(() -> p.adopt(target.pid(), startTime, e -> { }))
                .hasMessageContaining("cannot watch process " + target.pid());
        // The number the adoption's pidfd had goes to the next descriptor opened: here, the victim's pidfd.
        int victimFd = LibC.pidfdOpen(victim.pid());
        try {
            assertThat(victimFd).as("the adoption's pidfd number, reused").isEqualTo(lowestFree);

            assertThat(p.live()).isFalse();
            assertThatThrownBy(() -> p.signal(Signal.SIGKILL, false)).hasMessageContaining("process not started");
            try (Arena a = Arena.ofConfined()) {
                assertThat(LibC.waitidPidfd(victimFd, a.allocate(LibC.SIGINFO_SIZE, 8),
                        LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT)).as("the victim has exited").isFalse();
            }
        } finally {
            LibC.close(victimFd);
        }
    }

    private void assertNothingLeft(NativeProcess p, java.util.Map<String, String> fds) throws IOException {
        assertThat(markedProcesses()).as("processes left running (or unreaped) with the marker").isEmpty();
        assertThat(zombieChildren()).as("unreaped children").isEmpty();
        assertThat(p.started()).isFalse();
        assertThatThrownBy(() -> p.signal(Signal.SIGTERM, false)).hasMessageContaining("process not started");
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(
                () -> assertThat(fds).as("open descriptors of this JVM: none new").containsAllEntriesOf(openFds()));
        assertThat(loop.watched()).as("descriptors watched by the event loop").isZero();
    }

    /**
     * Runs {@code r} with every descriptor number below a lowered soft RLIMIT_NOFILE taken but {@code spare}
     * of them; returns what it threw. The limit and the table are back as they were when this returns.
     */
    private static RuntimeException withDescriptorsExhausted(int spare, Runnable r) throws Exception {
        long[] limit = LibC.getrlimit(LibC.RLIMIT_NOFILE);
        List<Integer> fillers = new ArrayList<>();
        RuntimeException thrown = null;
        LibC.setrlimit(LibC.RLIMIT_NOFILE, highestFd() + 16, limit[1]);
        try {
            while (true) {
                try {
                    fillers.add(LibC.open("/dev/null", LibC.O_RDONLY));
                } catch (LibC.Errno e) {
                    assertThat(e.errno).isEqualTo(Errnos.EMFILE);
                    break;
                }
            }
            for (int i = 0; i < spare; i++) {
                LibC.close(fillers.removeLast());
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                thrown = e;
            }
        } finally {
            fillers.forEach(LibC::close);
            LibC.setrlimit(LibC.RLIMIT_NOFILE, limit[0], limit[1]);
        }
        return thrown;
    }

    private void run(ProcessSpec spec) throws Exception {
        NativeProcess p = process(host, spec);
        CompletableFuture<Exit> exit = new CompletableFuture<>();
        p.start(exit::complete);
        assertThat(exit.get(10, TimeUnit.SECONDS).exitCode()).isZero();
        p.release();
    }

    private static NativeProcess process(Host host, ProcessSpec spec) {
        return new NativeProcess(host, spec, Path.of(spec.args().getFirst()), Optional.empty(), new ProcessOutput(spec));
    }

    private Host host(EventLoop l) {
        return new Host(l, spawner, Optional.empty(), new Gate.Shell(), false, Optional.empty(), Optional.empty());
    }

    private List<Long> markedProcesses() throws IOException {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path d : s.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readString(d.resolve("cmdline")).contains(marker)) {
                        found.add(Long.parseLong(d.getFileName().toString()));
                    }
                } catch (IOException goneMeanwhile) {
                    // exited since the listing
                }
            }
        }
        return found;
    }

    private static void reap(int pid) {
        try (Arena a = Arena.ofConfined()) {
            LibC.waitid(LibC.P_PID, pid, a.allocate(LibC.SIGINFO_SIZE, 8), LibC.WEXITED);
        } catch (LibC.Errno notOurs) {
            // not our child: its own parent reaps it
        }
    }

    private static long highestFd() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.mapToLong(f -> Long.parseLong(f.getFileName().toString())).max().orElseThrow();
        }
    }

    /**
     * This JVM's open descriptors and what each is. A leak is one that was not open before; a descriptor that an
     * earlier test left for the GC's cleaner may close meanwhile, so the check is that nothing is new.
     */
    private static java.util.Map<String, String> openFds() throws IOException {
        java.util.Map<String, String> open = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.startsWith("/proc/")) { // the listing's own descriptor is not one to count
                        open.put(fd.getFileName().toString(), target);
                    }
                } catch (IOException closedMeanwhile) {
                    // closed while the listing was read
                }
            }
        }
        return open;
    }

    private static List<Long> zombieChildren() {
        long self = ProcessHandle.current().pid();
        return ProcFs.all().stream().filter(s -> s.ppid() == self && s.state() == 'Z').map(ProcFs.Stat::pid).toList();
    }
}
