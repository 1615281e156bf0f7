package overseer.core;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import overseer.core.spi.TaskRuntime;
import overseer.core.spi.TaskRuntime.Feature;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link TaskRuntime} must do, driven only through {@link Tasks} with real processes. A runtime
 * module extends this class and supplies {@link #newRuntime()}; tests of optional features skip, with the
 * reason, on a runtime that does not claim them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RuntimeContract {
    protected static final String NS = "contract";
    protected static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PATH = "/usr/bin:/bin";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    protected TaskRuntime runtime;
    protected Tasks tasks;
    protected Set<Feature> features;

    /** A fresh runtime; the test closes it through {@link Tasks#close()}. */
    protected abstract TaskRuntime newRuntime();

    @BeforeEach
    void openTasks() {
        runtime = newRuntime();
        features = runtime.features();
        tasks = new Tasks(runtime);
    }

    @AfterEach
    void closeTasks() {
        // Stops and deletes whatever a test left behind, even when it failed half-way.
        try {
            if (tasks != null) { // null when the runtime is missing here and the test was skipped
                tasks.close();
            }
        } finally {
            // A runtime that fails to reach a task's descendants must not leave them running either.
            strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    private final List<Long> strays = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Remembers a descendant a test learned of, so that it is killed after the test whatever happened. */
    protected long descendant(long pid) {
        strays.add(pid);
        return pid;
    }

    // ---------------------------------------------------------------------------------------------
    // helpers

    /** A task id unique across the whole run, so that tests never see each other's tasks. */
    protected static String uniqueId(String prefix) {
        return prefix + "-" + SEQUENCE.incrementAndGet();
    }

    /** {@code /bin/sh -c script} with a PATH, so that the script finds sleep and friends. */
    protected static ProcessSpec.Builder sh(String script) {
        return ProcessSpec.builder("/bin/sh", "-c", script).env("PATH", PATH);
    }

    protected Task create(String prefix, ProcessSpec spec) {
        return tasks.create(NS, TaskSpec.of(uniqueId(prefix), spec));
    }

    protected Task start(String prefix, ProcessSpec spec) {
        Task t = create(prefix, spec);
        t.start();
        return t;
    }

    protected static Exit awaitExit(TaskProcess p) throws InterruptedException {
        return p.await(WAIT).orElseThrow(() -> new AssertionError(p + " did not exit within " + WAIT));
    }

    /** The stdout records' text once every piped stream reached end of file. */
    protected static List<String> stdoutOf(TaskProcess p) throws Exception {
        return linesOf(p, LogStream.STDOUT);
    }

    protected static List<String> linesOf(TaskProcess p, LogStream stream) throws Exception {
        p.output().drained().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return p.output().tail(stream).lines();
    }

    /** Waits until the process has printed at least one stdout line, and returns the first. */
    protected static String firstLine(TaskProcess p) {
        return await().atMost(WAIT).until(() -> p.output().tail(LogStream.STDOUT).lines(), l -> !l.isEmpty())
                .getFirst();
    }

    /**
     * Whether {@code pid} is a running process. A zombie is dead, merely not reaped yet: an orphan waits for
     * init (or the subreaper) to collect it, which on some hosts takes seconds.
     */
    protected static boolean alive(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ')'.
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    protected static OverseerException failure(ErrorKind kind, ThrowingCallable call) {
        OverseerException e = catchThrowableOfType(OverseerException.class, call);
        assertThat(e).as("expected OverseerException %s", kind).isNotNull();
        assertThat(e.kind()).as("kind of \"%s\"", e.getMessage()).isEqualTo(kind);
        return e;
    }

    protected static void assertFails(ErrorKind kind, String message, ThrowingCallable call) {
        assertThat(failure(kind, call).getMessage()).contains(message);
    }

    /** Takes events until {@code count} arrived or {@link #WAIT} passed. */
    protected static List<Envelope> take(Subscription sub, int count) throws InterruptedException {
        List<Envelope> got = new ArrayList<>();
        Instant end = Instant.now().plus(WAIT);
        while (got.size() < count) {
            Duration left = Duration.between(Instant.now(), end);
            if (left.isNegative()) {
                break;
            }
            sub.poll(left).ifPresent(got::add);
        }
        return got;
    }

    protected static List<String> topics(List<Envelope> events) {
        return events.stream().map(Envelope::topic).toList();
    }

    // ---------------------------------------------------------------------------------------------
    // exits

    @ParameterizedTest(name = "exit {0}")
    @ValueSource(ints = {0, 3, 255})
    void reportsTheExitStatus(int status) throws Exception {
        Task t = start("exit", sh("exit " + status).build());

        Exit exit = awaitExit(t);

        assertThat(exit.exitCode()).isEqualTo(status);
        assertThat(exit.signal()).isEmpty();
        assertThat(exit.oomKilled()).isFalse();
        assertThat(exit.success()).isEqualTo(status == 0);
        assertThat(exit).hasToString("exit status " + status);
        assertThat(t.exit()).contains(exit);
        assertThat(t.status()).isEqualTo(Status.STOPPED);
    }

    @Test
    void trueAndFalse() throws Exception {
        Task ok = start("true", ProcessSpec.of("/bin/true"));
        Task no = start("false", ProcessSpec.of("/bin/false"));

        assertThat(awaitExit(ok).exitCode()).isZero();
        assertThat(awaitExit(no).exitCode()).isEqualTo(1);
        assertThat(no.exit().orElseThrow().success()).isFalse();
    }

    @Test
    void aKillOverseerSentIsReportedAsTheSignal() throws Exception {
        Task t = start("killed", ProcessSpec.of("/bin/sleep", "1000"));

        t.kill(Signal.SIGKILL, false);
        Exit exit = awaitExit(t);

        assertThat(exit.exitCode()).isEqualTo(128 + 9);
        assertThat(exit.signal()).contains(Signal.SIGKILL);
        assertThat(exit.success()).isFalse();
        assertThat(exit).hasToString("signal: killed");
    }

    @Test
    void aSignalOverseerDidNotSendIsNamedOnlyWithExitSignal() throws Exception {
        Task t = start("selfkill", sh("kill -9 $$").build());

        Exit exit = awaitExit(t);

        assertThat(exit.exitCode()).isEqualTo(128 + 9);
        if (features.contains(Feature.EXIT_SIGNAL)) {
            assertThat(exit.signal()).contains(Signal.SIGKILL);
            assertThat(exit).hasToString("signal: killed");
        } else {
            // Without EXIT_SIGNAL the runtime cannot tell this from "exit 137", and must not guess.
            assertThat(exit.signal()).isEmpty();
            assertThat(exit).hasToString("exit status 137");
        }
    }

    @Test
    void anExitStatusAbove128IsNotASignal() throws Exception {
        Task t = start("exit137", sh("exit 137").build());

        Exit exit = awaitExit(t);

        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.signal()).isEmpty();
        assertThat(exit).hasToString("exit status 137");
    }

    // ---------------------------------------------------------------------------------------------
    // lifecycle

    @Test
    void walksCreatedRunningStoppedDeleted() throws Exception {
        Task t = create("life", ProcessSpec.of("/bin/sleep", "1000"));
        assertThat(t.status()).isEqualTo(Status.CREATED);
        assertThat(t.pid()).isZero();
        assertThat(t.exit()).isEmpty();

        t.start();
        assertThat(t.status()).isEqualTo(Status.RUNNING);
        assertThat(t.pid()).isPositive();
        assertThat(alive(t.pid())).isTrue();
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot start a running process", t::start);
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot delete a running process", t::delete);

        t.kill(Signal.SIGKILL, false);
        Exit exit = awaitExit(t);
        assertThat(t.status()).isEqualTo(Status.STOPPED);
        assertFails(ErrorKind.FAILED_PRECONDITION, "process already finished", () -> t.kill(Signal.SIGKILL, false));
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot start a stopped process", t::start);

        assertThat(t.delete()).contains(exit);
        assertThat(t.status()).isEqualTo(Status.DELETED);
        assertFails(ErrorKind.NOT_FOUND, "task does not exist", () -> tasks.get(NS, t.id()));
        assertThat(tasks.list(NS)).isEmpty();
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot start a deleted process", t::start);
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot kill a deleted process", () -> t.kill(Signal.SIGKILL, false));
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot delete a deleted process", t::delete);
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot exec in a deleted state",
                () -> t.exec("late", ProcessSpec.of("/bin/true")));
    }

    /**
     * containerd v1.3 pkg/process/init_state.go: createdState.Kill signals the created container. Nothing of an
     * Overseer task runs before its start, so a signal that ends a process ends the task there and then.
     */
    @Test
    void aCreatedTaskCanBeKilledAsContainerdAllows() throws Exception {
        try (Subscription events = tasks.events().subscribe()) {
            Task t = create("killcreated", ProcessSpec.of("/bin/sleep", "1000"));
            t.kill(Signal.of(17), true); // SIGCHLD, ignored by default: nothing happens to a process not yet running
            assertThat(t.status()).isEqualTo(Status.CREATED);

            t.kill(Signal.SIGTERM, true);
            Exit exit = awaitExit(t);
            assertThat(t.status()).isEqualTo(Status.STOPPED);
            assertThat(exit.signal()).contains(Signal.SIGTERM);
            assertThat(exit.exitCode()).isEqualTo(128 + 15);
            assertThat(t.pid()).isZero();
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot start a stopped process", t::start);
            assertFails(ErrorKind.FAILED_PRECONDITION, "process already finished", () -> t.kill(Signal.SIGKILL, true));
            assertThat(t.delete()).contains(exit);
            List<Envelope> seen = take(events, 3);
            assertThat(topics(seen)).containsExactly("/tasks/create", "/tasks/exit", "/tasks/delete");
            assertThat(seen.get(1).event()).isEqualTo(new Event.TaskExit(t.id(), t.id(), 0, exit));
        }
    }

    /** containerd v1.3 init_state.go: the words of the transitions it refuses. */
    @Test
    void refusedTransitionsUseContainerdsWords() throws Exception {
        Task created = create("words", ProcessSpec.of("/bin/sleep", "1000"));
        if (features.contains(Feature.PAUSE)) {
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot pause task in created state", created::pause);
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot resume task in created state", created::resume);
        }
        created.start();
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot start a running process", created::start);
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot delete a running process", created::delete);
        if (features.contains(Feature.PAUSE)) {
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot resume a running process", created::resume);
            created.pause();
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot pause a paused container", created::pause);
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot start a paused process", created::start);
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot delete a paused process", created::delete);
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot exec in a paused state",
                    () -> created.exec("p", ProcessSpec.of("/bin/true")));
            created.resume();
        }
        created.kill(Signal.SIGKILL, true);
        awaitExit(created);
        if (features.contains(Feature.PAUSE)) {
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot pause a stopped container", created::pause);
            assertFails(ErrorKind.FAILED_PRECONDITION, "cannot resume a stopped container", created::resume);
        }
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot exec in a stopped state",
                () -> created.exec("p", ProcessSpec.of("/bin/true")));
    }

    @Test
    void aCreatedTaskIsDeletedWithoutRunning() {
        Task t = create("unstarted", ProcessSpec.of("/bin/sleep", "1000"));

        assertThat(t.delete()).isEmpty();

        assertThat(t.status()).isEqualTo(Status.DELETED);
        assertThat(tasks.list(NS)).isEmpty();
    }

    @Test
    void aTaskIdIsUniqueInItsNamespace() {
        String id = uniqueId("dup");
        Task first = tasks.create(NS, TaskSpec.of(id, ProcessSpec.of("/bin/true")));

        assertFails(ErrorKind.ALREADY_EXISTS, "task already exists",
                () -> tasks.create(NS, TaskSpec.of(id, ProcessSpec.of("/bin/false"))));

        assertThat(tasks.get(NS, id)).isSameAs(first);
        assertThat(tasks.list(NS)).containsExactly(first);
    }

    @Test
    void aMissingTaskIsNotFound() {
        assertFails(ErrorKind.NOT_FOUND, "task does not exist", () -> tasks.get(NS, "no-such-task"));
    }

    @Test
    void namespacesIsolateTaskIds() throws Exception {
        String id = uniqueId("shared");
        Task a = tasks.create("ns-a", TaskSpec.of(id, sh("exit 1").build()));
        Task b = tasks.create("ns-b", TaskSpec.of(id, sh("exit 2").build()));

        assertThat(tasks.get("ns-a", id)).isSameAs(a);
        assertThat(tasks.get("ns-b", id)).isSameAs(b);
        assertThat(tasks.list("ns-a")).containsExactly(a);
        assertThat(a.namespace()).isEqualTo("ns-a");

        a.start();
        b.start();
        assertThat(awaitExit(a).exitCode()).isEqualTo(1);
        assertThat(awaitExit(b).exitCode()).isEqualTo(2);
        a.delete();

        assertFails(ErrorKind.NOT_FOUND, "task does not exist", () -> tasks.get("ns-a", id));
        assertThat(tasks.get("ns-b", id)).isSameAs(b);
    }

    // ---------------------------------------------------------------------------------------------
    // signals, terminate, kill with a deadline, shutdown

    @Test
    void killAllReachesTheGrandchildren() throws Exception {
        Task t = start("group", sh("sleep 1000 & echo $!; wait").stdout(Redirect.PIPE).build());
        long grandchild = descendant(Long.parseLong(firstLine(t).strip()));
        assertThat(alive(grandchild)).isTrue();

        t.kill(Signal.SIGKILL, true);

        Exit exit = awaitExit(t);
        assertThat(exit.exitCode()).isEqualTo(128 + 9);
        assertThat(exit.signal()).contains(Signal.SIGKILL);
        await().atMost(WAIT).until(() -> !alive(grandchild));
        t.output().drained().get(WAIT.toSeconds(), TimeUnit.SECONDS); // nobody holds the pipe any more
    }

    @Test
    void terminateSendsSigterm() throws Exception {
        Task t = start("term", ProcessSpec.of("/bin/sleep", "1000"));

        t.terminate();
        Exit exit = awaitExit(t);

        assertThat(exit.exitCode()).isEqualTo(128 + 15);
        assertThat(exit.signal()).contains(Signal.SIGTERM);
        assertThat(exit).hasToString("signal: terminated");
    }

    /**
     * Lambda's local supervisor (internal/lambda/supervisor/local_supervisor.go, kill): a process that has
     * terminated is reported killed before the deadline is looked at.
     */
    @Test
    void killOfAnExitedProcessSucceedsEvenWithAPastDeadlineAsLambdaDoes() throws Exception {
        Task t = start("killdone", sh("exit 3").build());
        Exit exit = awaitExit(t);

        assertThat(t.kill(Instant.now().minusSeconds(60))).isEqualTo(exit);
        assertThat(t.kill(Instant.now().plusSeconds(60))).isEqualTo(exit);
    }

    /** Lambda's local supervisor (local_supervisor.go, Terminate): SIGTERM best effort, its failure ignored. */
    @Test
    void terminateOfAnExitedProcessSucceedsAsLambdaDoes() throws Exception {
        Task t = start("termdone", sh("exit 0").build());
        awaitExit(t);

        t.terminate();
        assertThat(t.exit().orElseThrow().exitCode()).isZero();
    }

    @Test
    void aProcessThatHandlesSigtermKeepsItsOutputAndItsOwnExit() throws Exception {
        Task t = start("trapterm", sh("trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done")
                .stdout(Redirect.PIPE).build());
        assertThat(firstLine(t)).isEqualTo("ready");

        t.terminate();
        Exit exit = awaitExit(t);

        // It exited on its own after the signal: that is no death by signal, and its last words are kept.
        assertThat(exit.exitCode()).isZero();
        assertThat(exit.signal()).isEmpty();
        assertThat(stdoutOf(t)).containsExactly("ready", "bye");
    }

    @Test
    void killWithAPastDeadlineIsRefused() {
        Task t = start("deadline", ProcessSpec.of("/bin/sleep", "1000"));

        OverseerException e = failure(ErrorKind.INVALID_ARGUMENT, () -> t.kill(Instant.now().minusSeconds(1)));

        assertThat(e.getMessage()).contains("deadline");
        assertThat(t.status()).isEqualTo(Status.RUNNING);
        assertThat(alive(t.pid())).isTrue();
    }

    @Test
    void killWithADeadlineReturnsTheExit() throws Exception {
        Task t = start("deadline", ProcessSpec.of("/bin/sleep", "1000"));

        Exit exit = t.kill(Instant.now().plus(WAIT));

        assertThat(exit.signal()).contains(Signal.SIGKILL);
        assertThat(exit.exitCode()).isEqualTo(128 + 9);
        assertThat(t.status()).isEqualTo(Status.STOPPED);
        assertThat(t.exit()).contains(exit);
    }

    @Test
    void shutdownStopsAProcessThatHeedsTheStopSignal() throws Exception {
        Task t = start("graceful", ProcessSpec.of("/bin/sleep", "1000"));

        Exit exit = t.shutdown(Signal.SIGTERM, WAIT);

        assertThat(exit.signal()).contains(Signal.SIGTERM);
    }

    @Test
    void shutdownKillsAfterTheGrace() throws Exception {
        // The leader and its sleeps ignore SIGTERM; "ready" says the trap is in place.
        Task t = start("stubborn", sh("trap '' TERM; echo ready; while :; do sleep 0.1; done")
                .stdout(Redirect.PIPE).build());
        assertThat(firstLine(t)).isEqualTo("ready");
        Duration grace = Duration.ofMillis(300);

        long began = System.nanoTime();
        Exit exit = t.shutdown(Signal.SIGTERM, grace);
        Duration took = Duration.ofNanos(System.nanoTime() - began);

        assertThat(exit.signal()).contains(Signal.SIGKILL);
        assertThat(exit.exitCode()).isEqualTo(128 + 9);
        assertThat(took).isGreaterThanOrEqualTo(grace);
    }

    @Test
    void anySignalCanBeSentWithSignals() throws Exception {
        assumeTrue(features.contains(Feature.SIGNALS), "the runtime can only send SIGTERM and SIGKILL");
        Task t = start("usr1", sh("trap 'echo got-usr1; exit 7' USR1; echo ready; while :; do sleep 0.05; done")
                .stdout(Redirect.PIPE).build());
        assertThat(firstLine(t)).isEqualTo("ready");

        t.kill(Signal.parse("USR1"), false);

        assertThat(awaitExit(t).exitCode()).isEqualTo(7);
        assertThat(stdoutOf(t)).containsExactly("ready", "got-usr1");
    }

    @Test
    void withoutSignalsOnlyTermAndKillCanBeSent() throws Exception {
        assumeFalse(features.contains(Feature.SIGNALS), "the runtime can send any signal");
        Task t = start("usr1", ProcessSpec.of("/bin/sleep", "1000"));

        OverseerException e = failure(ErrorKind.UNAVAILABLE, () -> t.kill(Signal.parse("USR1"), false));

        assertThat(e.getMessage()).contains("SIGUSR1").contains("not supported");
        assertThat(t.status()).isEqualTo(Status.RUNNING);
        assertThat(alive(t.pid())).isTrue();
    }

    // ---------------------------------------------------------------------------------------------
    // standard streams, environment, working directory

    @Test
    void stdinPipeReachesTheProcess() throws Exception {
        Task t = start("cat", ProcessSpec.builder("/bin/cat").stdin(Redirect.PIPE).stdout(Redirect.PIPE).build());

        OutputStream in = t.stdin();
        in.write("hello through the pipe\n".getBytes(StandardCharsets.UTF_8));
        // The line comes back before stdin is closed: writes are not held in a buffer.
        await().atMost(WAIT).until(() -> t.output().tail(LogStream.STDOUT).lines(),
                l -> l.contains("hello through the pipe"));
        t.closeStdin();

        assertThat(awaitExit(t).exitCode()).isZero();
        assertThat(stdoutOf(t)).containsExactly("hello through the pipe");
    }

    @Test
    void stdinIsNotAPipeUnlessAskedFor() {
        Task t = start("nopipe", ProcessSpec.of("/bin/sleep", "1000"));

        assertThat(failure(ErrorKind.FAILED_PRECONDITION, t::stdin).getMessage()).contains("stdin");
    }

    @Test
    void stdinFromAFile(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("input.txt");
        Files.writeString(input, "first\nsecond\n");
        Task t = start("catfile", ProcessSpec.builder("/bin/cat").stdin(Redirect.file(input)).stdout(Redirect.PIPE).build());

        assertThat(awaitExit(t).exitCode()).isZero();
        assertThat(stdoutOf(t)).containsExactly("first", "second");
    }

    @Test
    void stdinFileMustExist(@TempDir Path dir) {
        OverseerException e = failure(ErrorKind.INVALID_ARGUMENT, () -> create("nostdin",
                ProcessSpec.builder("/bin/cat").stdin(Redirect.file(dir.resolve("missing"))).build()));

        assertThat(e.getMessage()).startsWith("stdin:");
        assertThat(tasks.list(NS)).isEmpty();
    }

    @Test
    void stdoutToAFileTruncatesOrAppends(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.log");
        Files.writeString(out, "old content that must go\n");

        awaitExit(start("file", sh("echo one").stdout(Redirect.file(out)).build()));
        assertThat(Files.readString(out)).isEqualTo("one\n");

        awaitExit(start("append", sh("echo two; echo err >&2").stdout(Redirect.append(out)).stderr(Redirect.STDOUT).build()));
        assertThat(Files.readString(out)).isEqualTo("one\ntwo\nerr\n");

        Path err = dir.resolve("err.log");
        Task t = start("stderrfile", sh("echo to-err >&2").stderr(Redirect.file(err)).build());
        awaitExit(t);
        assertThat(Files.readString(err)).isEqualTo("to-err\n");
        assertThat(t.output().streams()).isEmpty();
    }

    @Test
    void outputFilesAreCreatedPrivate(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("private.out");
        Path err = dir.resolve("private.err");
        awaitExit(start("private", sh("echo secret; echo also >&2").stdout(Redirect.file(out)).stderr(Redirect.append(err)).build()));
        // created 0600 by the open itself: a task's output is its owner's, whatever the umask
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(err))).isEqualTo("rw-------");
        assertThat(Files.readString(out)).isEqualTo("secret\n");
    }

    @Test
    void stderrMergedIntoStdout() throws Exception {
        Task t = start("merged", sh("echo out; echo err >&2; echo out-again")
                .stdout(Redirect.PIPE).stderr(Redirect.STDOUT).build());

        awaitExit(t);

        assertThat(stdoutOf(t)).containsExactly("out", "err", "out-again");
        assertThat(t.output().tail(LogStream.STDERR).lines()).isEmpty();
        assertThat(t.output().streams()).containsExactly(LogStream.STDOUT);
    }

    @Test
    void nullOutputYieldsNoRecords() throws Exception {
        Task t = start("quiet", sh("echo out; echo err >&2").build());

        assertThat(awaitExit(t).exitCode()).isZero();

        assertThat(t.output().streams()).isEmpty();
        assertThat(t.output().drained()).isCompleted();
        assertThat(t.output().tail(LogStream.STDOUT).records()).isEmpty();
        assertThat(t.output().tail(LogStream.STDERR).records()).isEmpty();
    }

    @Test
    void theEnvironmentIsExactlyTheSpecs() throws Exception {
        Task t = start("env", ProcessSpec.builder("/usr/bin/env").env("A", "1").stdout(Redirect.PIPE).build());

        assertThat(awaitExit(t).exitCode()).isZero();
        assertThat(stdoutOf(t)).containsExactly("A=1");
    }

    @Test
    void theProgramIsLookedUpInTheSpecsPath(@TempDir Path empty) throws Exception {
        // A bare name is found through the spec's PATH, or the default PATH when the env has none.
        Task viaPath = start("path", ProcessSpec.builder("sh", "-c", "exit 5").env("PATH", "/bin").build());
        Task viaDefault = start("defpath", ProcessSpec.of("false"));
        assertThat(awaitExit(viaPath).exitCode()).isEqualTo(5);
        assertThat(awaitExit(viaDefault).exitCode()).isEqualTo(1);

        OverseerException e = failure(ErrorKind.INVALID_ARGUMENT,
                () -> create("nopath", ProcessSpec.builder("sh").env("PATH", empty.toString()).build()));
        assertThat(e.getMessage()).startsWith("args[0]:").contains("\"sh\"");
    }

    @Test
    void theWorkingDirectoryIsTheSpecs(@TempDir Path dir) throws Exception {
        Task t = start("pwd", ProcessSpec.builder("/bin/pwd").cwd(dir).stdout(Redirect.PIPE).build());

        assertThat(awaitExit(t).exitCode()).isZero();
        assertThat(stdoutOf(t)).containsExactly(dir.toRealPath().toString());
    }

    // ---------------------------------------------------------------------------------------------
    // bad input fails at create, naming the field, and registers nothing

    private void assertRejected(ProcessSpec spec, String field, String... mentions) {
        String id = uniqueId("bad");
        OverseerException e = failure(ErrorKind.INVALID_ARGUMENT, () -> tasks.create(NS, TaskSpec.of(id, spec)));
        assertThat(e.getMessage()).startsWith(field + ":").contains(mentions);
        assertThat(tasks.list(NS)).isEmpty();
        assertFails(ErrorKind.NOT_FOUND, "task does not exist", () -> tasks.get(NS, id));
        // The id is free again.
        Task ok = tasks.create(NS, TaskSpec.of(id, ProcessSpec.of("/bin/true")));
        ok.delete();
    }

    @Test
    void aMissingBinaryIsRejected() {
        assertRejected(ProcessSpec.of("nope"), "args[0]", "no such file or directory", "\"nope\"");
        assertRejected(ProcessSpec.of("/no/such/program"), "args[0]", "no such file or directory", "/no/such/program");
    }

    @Test
    void aNonExecutableFileIsRejected(@TempDir Path dir) throws IOException {
        Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));

        assertRejected(ProcessSpec.of(script.toString()), "args[0]", script.toString());
    }

    @Test
    void aDirectoryIsRejected(@TempDir Path dir) {
        assertRejected(ProcessSpec.of(dir.toString()), "args[0]", "directory", dir.toString());
    }

    @Test
    void aMissingWorkingDirectoryIsRejected(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing");
        assertRejected(ProcessSpec.builder("/bin/true").cwd(missing).build(), "cwd", missing.toString());

        Path file = Files.writeString(dir.resolve("file"), "");
        assertRejected(ProcessSpec.builder("/bin/true").cwd(file).build(), "cwd", "not a directory", file.toString());
    }

    // ---------------------------------------------------------------------------------------------
    // events

    @Test
    void aTaskPublishesCreateStartExitDelete() throws Exception {
        try (Subscription sub = tasks.events().subscribe()) {
            Task t = create("events", sh("exit 3").build());
            t.start();
            awaitExit(t);
            t.delete();

            List<Envelope> events = take(sub, 4);

            assertThat(topics(events)).containsExactly("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete");
            assertThat(events).allSatisfy(e -> assertThat(e.namespace()).isEqualTo(NS));
            assertThat(events.get(0).event()).isEqualTo(new Event.TaskCreate(t.id(), List.of("/bin/sh", "-c", "exit 3")));
            assertThat(events.get(1).event()).isEqualTo(new Event.TaskStart(t.id(), t.pid()));
            Event.TaskExit exit = (Event.TaskExit) events.get(2).event();
            assertThat(exit.taskId()).isEqualTo(t.id());
            assertThat(exit.execId()).isEqualTo(t.id());
            assertThat(exit.pid()).isEqualTo(t.pid());
            assertThat(exit.exit().exitCode()).isEqualTo(3);
            Event.TaskDelete delete = (Event.TaskDelete) events.get(3).event();
            assertThat(delete.exit()).contains(exit.exit());
            assertThat(sub.poll()).isEmpty();
        }
    }

    @Test
    void startIsAlwaysPublishedBeforeExit() throws Exception {
        int n = 50;
        try (Subscription sub = tasks.events().subscribe()) {
            List<Task> started = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                started.add(start("quick", ProcessSpec.of("/bin/true")));
            }
            for (Task t : started) {
                assertThat(awaitExit(t).exitCode()).isZero();
            }

            List<Envelope> events = take(sub, 3 * n);

            assertThat(events).hasSize(3 * n);
            Map<String, List<String>> byTask = new HashMap<>();
            for (Envelope e : events) {
                String id = switch (e.event()) {
                    case Event.TaskCreate c -> c.taskId();
                    case Event.TaskStart s -> s.taskId();
                    case Event.TaskExit x -> x.taskId();
                    default -> throw new AssertionError("unexpected " + e);
                };
                byTask.computeIfAbsent(id, k -> new ArrayList<>()).add(e.topic());
            }
            assertThat(byTask).hasSize(n);
            assertThat(byTask.values()).allSatisfy(t ->
                    assertThat(t).containsExactly("/tasks/create", "/tasks/start", "/tasks/exit"));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // exec

    @Test
    void execRunsAnotherProcessInTheTask() throws Exception {
        Task t = start("host", ProcessSpec.of("/bin/sleep", "1000"));
        try (Subscription sub = tasks.events().subscribe()) {
            TaskProcess probe = t.exec("probe", sh("echo probing; exit 4").stdout(Redirect.PIPE).build());
            assertThat(probe.status()).isEqualTo(Status.CREATED);
            assertThat(t.process("probe")).isSameAs(probe);
            assertThat(t.execs()).containsExactly(probe);

            probe.start();
            Exit exit = awaitExit(probe);

            assertThat(exit.exitCode()).isEqualTo(4);
            assertThat(stdoutOf(probe)).containsExactly("probing");
            assertThat(t.status()).isEqualTo(Status.RUNNING);
            List<Envelope> events = take(sub, 3);
            assertThat(topics(events)).containsExactly("/tasks/exec-added", "/tasks/exec-started", "/tasks/exit");
            assertThat(events.get(0).event()).isEqualTo(new Event.TaskExecAdded(t.id(), "probe"));
            assertThat(events.get(1).event()).isEqualTo(new Event.TaskExecStarted(t.id(), "probe", probe.pid()));
            assertThat(events.get(2).event()).isEqualTo(new Event.TaskExit(t.id(), "probe", probe.pid(), exit));

            assertThat(probe.delete()).contains(exit);
            assertThat(t.execs()).isEmpty();
            assertThat(t.status()).isEqualTo(Status.RUNNING);
        }
    }

    @Test
    void execIdsAreUniqueAndLookedUp() {
        Task t = start("host", ProcessSpec.of("/bin/sleep", "1000"));
        TaskProcess probe = t.exec("probe", ProcessSpec.of("/bin/true"));

        assertFails(ErrorKind.ALREADY_EXISTS, "already exists", () -> t.exec("probe", ProcessSpec.of("/bin/true")));
        assertFails(ErrorKind.ALREADY_EXISTS, "already exists", () -> t.exec(t.id(), ProcessSpec.of("/bin/true")));
        assertFails(ErrorKind.NOT_FOUND, "does not exist", () -> t.process("missing"));
        assertThat(t.execs()).containsExactly(probe);
    }

    @Test
    void execOfABadBinaryRegistersNothing() {
        Task t = start("host", ProcessSpec.of("/bin/sleep", "1000"));

        OverseerException e = failure(ErrorKind.INVALID_ARGUMENT, () -> t.exec("bad", ProcessSpec.of("nope")));

        assertThat(e.getMessage()).startsWith("args[0]:");
        assertThat(t.execs()).isEmpty();
        assertFails(ErrorKind.NOT_FOUND, "does not exist", () -> t.process("bad"));
    }

    /**
     * containerd v1.3 init_state.go: createdState.Exec adds the exec. Its process starts once the task has
     * (an Overseer task has no process, cgroup or container before its start); an exec not started yet
     * refuses a kill in containerd's words (exec.go: "process not created").
     */
    @Test
    void execInACreatedTaskIsAllowedAsContainerdAllows() throws Exception {
        Task created = create("host", ProcessSpec.of("/bin/sleep", "1000"));
        TaskProcess probe = created.exec("probe", ProcessSpec.of("/bin/true"));
        assertThat(probe.status()).isEqualTo(Status.CREATED);
        assertFails(ErrorKind.FAILED_PRECONDITION, "process not created", () -> probe.kill(Signal.SIGKILL, false));
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot start a process in a created task", probe::start);

        created.start();
        probe.start();
        assertThat(probe.await(WAIT).orElseThrow().exitCode()).isZero();
        created.kill(Signal.SIGKILL, true);
        awaitExit(created);
        assertFails(ErrorKind.FAILED_PRECONDITION, "cannot exec in a stopped state",
                () -> created.exec("late", ProcessSpec.of("/bin/true")));
    }

    /**
     * Deliberate: Lambda's ExecRequest says (Domain, Name) must be unique, and its local supervisor
     * (internal/lambda/supervisor/local_supervisor.go, Exec) silently overwrote the entry of the earlier process;
     * Overseer refuses the second with ALREADY_EXISTS and leaves the first alone.
     */
    @Test
    void aTakenExecNameIsRefusedUnlikeLambdasLocalSupervisorWhichOverwrote() throws Exception {
        Task host = start("unique", ProcessSpec.of("/bin/sleep", "1000"));
        TaskProcess first = host.exec("probe", ProcessSpec.of("/bin/sleep", "1000"));
        first.start();

        assertFails(ErrorKind.ALREADY_EXISTS, "process probe already exists in task " + host.id(),
                () -> host.exec("probe", ProcessSpec.of("/bin/true")));
        assertFails(ErrorKind.ALREADY_EXISTS, "already exists", () -> host.exec(host.id(), ProcessSpec.of("/bin/true")));
        assertThat(host.process("probe")).isSameAs(first);
        assertThat(first.status()).isEqualTo(Status.RUNNING);
        first.kill(Signal.SIGKILL, false);
        first.await(WAIT).orElseThrow();
        host.kill(Signal.SIGKILL, true);
        awaitExit(host);
    }

    @Test
    void deletingATaskKillsAndDeletesItsExecs() throws Exception {
        Task host = start("host", ProcessSpec.of("/bin/sleep", "1000"));
        TaskProcess probe = host.exec("probe", ProcessSpec.of("/bin/sleep", "1000"));
        probe.start();
        long probePid = probe.pid();
        host.kill(Signal.SIGKILL, false);
        awaitExit(host);

        host.delete();

        assertThat(probe.status()).isEqualTo(Status.DELETED);
        assertThat(probe.exit()).hasValueSatisfying(e -> assertThat(e.signal()).contains(Signal.SIGKILL));
        await().atMost(WAIT).until(() -> !alive(probePid));
    }

    /**
     * containerd's runc shim (cmd/containerd-shim-runc-v2/task/service.go, handleInitExit): exec'd processes
     * do not outlive the init, and the init's /tasks/exit is published after theirs.
     */
    @Test
    void whenTheInitExitsItsExecsAreKilledAndItsExitIsPublishedLast() throws Exception {
        Task host = start("host", ProcessSpec.of("/bin/sleep", "1000"));
        try (Subscription sub = tasks.events().subscribe()) {
            TaskProcess probe = host.exec("probe", ProcessSpec.of("/bin/sleep", "1000"));
            probe.start();
            long probePid = probe.pid();

            host.kill(Signal.SIGKILL, false);
            awaitExit(host);

            assertThat(probe.exit()).as("the exec's exit, known before the init's").isPresent();
            await().atMost(WAIT).until(() -> !alive(probePid));
            List<String> exits = new ArrayList<>();
            while (exits.size() < 2) {
                Envelope e = sub.poll(WAIT).orElseThrow(() -> new AssertionError("exits seen: " + exits));
                if (e.event() instanceof Event.TaskExit x) {
                    exits.add(x.execId());
                }
            }
            assertThat(exits).containsExactly("probe", host.id());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // pause, pids

    @Test
    void pauseStopsTheTaskAndResumeLetsItGoOn() throws Exception {
        assumeTrue(features.contains(Feature.PAUSE), "the runtime cannot pause tasks");
        Task t = create("pause", sh("while :; do echo x; sleep 0.05; done").stdout(Redirect.PIPE).build());
        AtomicInteger lines = new AtomicInteger(); // the tail is bounded; this count is not
        t.output().addSink(r -> lines.incrementAndGet());
        t.start();
        await().atMost(WAIT).until(() -> lines.get() >= 2);
        try (Subscription sub = tasks.events().subscribe()) {
            t.pause();
            assertThat(t.status()).isEqualTo(Status.PAUSED);
            // A line already in the pipe may still arrive; after that, none may for the whole window. The
            // loop prints one line every ~50 ms, so a running task would show a change at every 100 ms poll.
            AtomicInteger last = new AtomicInteger(-1);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        int now = lines.get();
                        return last.getAndSet(now) == now;
                    });
            int frozen = lines.get();

            t.resume();

            assertThat(t.status()).isEqualTo(Status.RUNNING);
            await().atMost(WAIT).until(() -> lines.get() > frozen);
            assertThat(topics(take(sub, 2))).containsExactly("/tasks/paused", "/tasks/resumed");
        }
    }

    @Test
    void pauseIsRefusedWithoutThePauseFeature() {
        assumeFalse(features.contains(Feature.PAUSE), "the runtime can pause tasks");
        Task t = start("nopause", ProcessSpec.of("/bin/sleep", "1000"));

        assertFails(ErrorKind.UNAVAILABLE, "pause is not supported", t::pause);
        assertThat(t.status()).isEqualTo(Status.RUNNING);
    }

    @Test
    void pidsListTheInitProcessAndItsChildren() {
        assumeTrue(features.contains(Feature.PIDS), "the runtime cannot list the processes of a task");
        Task t = start("pids", sh("sleep 1000 & echo $!; wait").stdout(Redirect.PIPE).build());
        long child = descendant(Long.parseLong(firstLine(t).strip()));

        await().atMost(WAIT).untilAsserted(() -> assertThat(t.pids())
                .extracting(ProcessInfo::pid).contains(t.pid(), child));
        assertThat(t.pids()).filteredOn(p -> p.pid() == child).extracting(ProcessInfo::command)
                .allSatisfy(c -> assertThat(c).isIn("sleep", "sh", "dash", ""));
    }

    // ---------------------------------------------------------------------------------------------
    // start time

    /** Whether the runtime reads the kernel's start time of its processes; one that cannot reports 0. */
    protected boolean reportsStartTimes() {
        return true;
    }

    @Test
    void aStartedProcessReportsTheKernelsStartTime() throws Exception {
        Task t = create("starttime", ProcessSpec.of("/bin/sleep", "1000"));
        assertThat(t.startTime()).as("before the start").isZero();
        t.start();

        if (!reportsStartTimes()) {
            assertThat(t.startTime()).isZero();
            return;
        }
        String stat = Files.readString(Path.of("/proc", Long.toString(t.pid()), "stat"));
        long field22 = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
        assertThat(t.startTime()).isEqualTo(field22);
    }

    // ---------------------------------------------------------------------------------------------
    // stats: ProcessStats.cpu means the same on every runtime

    /** The CPU figure of {@code pid} in a fresh sample of {@code t}'s stats, -1 when it is not listed. */
    private static double cpuOf(Task t, long pid) {
        return t.stats().processes().stream().filter(p -> p.pid() == pid).mapToDouble(ProcessStats::cpu)
                .findFirst().orElse(-1);
    }

    @Test
    void cpuOfABusyProcessIsAShareOfOneCore() {
        assumeTrue(features.contains(Feature.STATS), "the runtime reports no stats");
        Task t = start("busy", sh("while :; do :; done").build());

        // Percent of one core: a spinning single-threaded process reads well above a few percent and never
        // above one core (a tick of slack: the kernel counts CPU in 10 ms ticks).
        List<Double> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        await().atMost(WAIT).until(() -> {
            seen.add(cpuOf(t, t.pid()));
            return seen.getLast() >= 30;
        });
        assertThat(seen).allSatisfy(cpu -> assertThat(cpu).isBetween(0.0, 115.0));
    }

    @Test
    void cpuIsSinceThePreviousSampleNotOverTheWholeLife() {
        assumeTrue(features.contains(Feature.STATS), "the runtime reports no stats");
        // Busy for about a third of a second of CPU, then idle for good.
        Task t = start("busythenidle", sh("i=0; while [ $i -lt 500000 ]; do i=$((i+1)); done; echo idle; exec sleep 1000")
                .stdout(Redirect.PIPE).build());
        assertThat(firstLine(t)).isEqualTo("idle");
        cpuOf(t, t.pid()); // a sample from which the next one is measured

        // Over its whole life it would still read several percent for seconds; since the previous sample, an
        // idle process reads no tick at all.
        await().atMost(Duration.ofSeconds(3)).until(() -> cpuOf(t, t.pid()), cpu -> cpu >= 0 && cpu < 1);
    }

    // ---------------------------------------------------------------------------------------------
    // log capture

    @Test
    void outputIsFramedIntoRecordsPerStream() throws Exception {
        Task t = start("logs", sh("echo one; echo two; echo three; echo oops >&2; printf tail").captureOutput().build());

        assertThat(awaitExit(t).exitCode()).isZero();
        t.output().drained().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        List<LogRecord> out = t.output().tail(LogStream.STDOUT).records();
        assertThat(out).extracting(LogRecord::text).containsExactly("one", "two", "three", "tail");
        assertThat(out).extracting(LogRecord::partial).containsExactly(false, false, false, true);
        assertThat(out).allSatisfy(r -> assertThat(r.stream()).isEqualTo(LogStream.STDOUT));
        List<LogRecord> err = t.output().tail(LogStream.STDERR).records();
        assertThat(err).extracting(LogRecord::text).containsExactly("oops");
        assertThat(err).allSatisfy(r -> assertThat(r.stream()).isEqualTo(LogStream.STDERR));
        assertThat(t.output().streams()).containsExactlyInAnyOrder(LogStream.STDOUT, LogStream.STDERR);
    }

    @Test
    void aSinkAddedBeforeStartSeesEveryRecord() throws Exception {
        Task t = create("sink", sh("for i in 1 2 3 4 5; do echo line-$i; done").stdout(Redirect.PIPE).build());
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        t.output().addSink(record -> seen.add(record.text()));

        t.start();
        awaitExit(t);

        assertThat(stdoutOf(t)).containsExactly("line-1", "line-2", "line-3", "line-4", "line-5");
        assertThat(seen).containsExactly("line-1", "line-2", "line-3", "line-4", "line-5");
    }

    // ---------------------------------------------------------------------------------------------
    // cleanup

    @Test
    void closingTheTasksStopsEveryProcess() throws Exception {
        Tasks own = new Tasks(newRuntime());
        Task a = own.create(NS, TaskSpec.of(uniqueId("close"), ProcessSpec.of("/bin/sleep", "1000")));
        a.start();
        Task b = own.create("other", TaskSpec.of(uniqueId("close"), ProcessSpec.of("/bin/sleep", "1000")));
        b.start();

        own.close();

        assertThat(own.list()).isEmpty();
        assertThat(a.status()).isEqualTo(Status.DELETED);
        assertThat(b.status()).isEqualTo(Status.DELETED);
        assertThat(a.exit()).hasValueSatisfying(e -> assertThat(e.signal()).contains(Signal.SIGTERM));
        await().atMost(WAIT).until(() -> !alive(a.pid()) && !alive(b.pid()));
    }
}
