package overseer.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import overseer.core.internal.Durations;
import overseer.core.internal.Identifiers;

class ModelTest {
    private static final Instant T = Instant.parse("2026-05-06T07:08:09Z");

    private static void assertInvalid(ThrowingCallable call, String... mentions) {
        var a = assertThatThrownBy(call)
                .isInstanceOfSatisfying(OverseerException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
        for (String m : mentions) {
            a.hasMessageContaining(m);
        }
    }

    // ---- Signal ----

    @Test
    void parseAcceptsNamesWithOrWithoutPrefixAnyCaseAndNumbers() {
        assertThat(Signal.parse("TERM")).isEqualTo(Signal.SIGTERM);
        assertThat(Signal.parse("SIGTERM")).isEqualTo(Signal.SIGTERM);
        assertThat(Signal.parse("sigkill")).isEqualTo(Signal.SIGKILL);
        assertThat(Signal.parse("kill")).isEqualTo(Signal.SIGKILL);
        assertThat(Signal.parse("9")).isEqualTo(Signal.SIGKILL);
        assertThat(Signal.parse(" hup ")).isEqualTo(Signal.SIGHUP);
        assertThat(Signal.parse("15")).isEqualTo(new Signal(15, "SIGTERM"));
        assertThat(Signal.parse("SIGKILL").number()).isEqualTo(9);
        assertThat(Signal.parse("9").name()).isEqualTo("SIGKILL");
        assertThat(Signal.parse("SigCont")).isEqualTo(Signal.SIGCONT);
        assertThat(Signal.parse("31").name()).isEqualTo("SIGSYS");
    }

    @Test
    void wellKnownConstants() {
        assertThat(Signal.SIGHUP.number()).isEqualTo(1);
        assertThat(Signal.SIGINT.number()).isEqualTo(2);
        assertThat(Signal.SIGKILL.number()).isEqualTo(9);
        assertThat(Signal.SIGTERM.number()).isEqualTo(15);
        assertThat(Signal.SIGCONT.number()).isEqualTo(18);
        assertThat(Signal.SIGSTOP.number()).isEqualTo(19);
        assertThat(Signal.parse("USR1")).isEqualTo(new Signal(10, "SIGUSR1"));
        assertThat(Signal.SIGTERM).hasToString("SIGTERM");
    }

    @Test
    void realTimeSignalsAreNamedFromSigrtmin() {
        assertThat(Signal.of(34).name()).isEqualTo("SIGRTMIN+0");
        assertThat(Signal.of(64).name()).isEqualTo("SIGRTMIN+30");
        assertThat(Signal.parse("40")).isEqualTo(Signal.of(40));
    }

    @ParameterizedTest
    @ValueSource(strings = {"FOO", "SIGFOO", "sig", "KILL9", "-9", "+9", "9x", "SIG KILL"})
    void unknownNamesAreInvalid(String text) {
        assertInvalid(() -> Signal.parse(text), "signal");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "32", "33", "65", "99", "99999999999999999999"})
    void unknownNumbersAreInvalid(String text) {
        assertInvalid(() -> Signal.parse(text), "signal", "no such signal number");
    }

    @Test
    void emptySignalIsInvalid() {
        assertInvalid(() -> Signal.parse(""), "signal");
        assertInvalid(() -> Signal.parse("   "), "signal");
        assertInvalid(() -> Signal.parse(null), "signal");
        assertInvalid(() -> Signal.of(0), "signal");
        assertInvalid(() -> Signal.of(65), "signal");
        assertInvalid(() -> new Signal(-1, "SIGX"), "signal");
    }

    // ---- Exit ----

    /**
     * Lambda's supervisor model (model.go, ProcessTermination.String()) prints what Go's exec.ExitError.Error()
     * does; Go names the signals with syscall.Signal.String() (syscall/zerrors_linux_amd64.go).
     */
    @Test
    void terminationPrintsAsGoExecExitErrorAsLambdaDoes() {
        assertThat(Exit.exited(3, T)).hasToString("exit status 3");
        assertThat(Exit.killed(Signal.SIGKILL, false, T)).hasToString("signal: killed");
        assertThat(Exit.killed(Signal.SIGTERM, false, T)).hasToString("signal: terminated");
        assertThat(Exit.killed(Signal.of(11), false, T)).hasToString("signal: segmentation fault");
        assertThat(Exit.killed(Signal.SIGINT, false, T)).hasToString("signal: interrupt");
        assertThat(Exit.killed(Signal.of(6), false, T)).hasToString("signal: aborted");
        assertThat(Exit.killed(Signal.of(24), false, T)).hasToString("signal: CPU time limit exceeded");
        assertThat(Exit.killed(Signal.of(34), false, T)).hasToString("signal: signal 34");
        assertThat(Signal.SIGKILL.name()).isEqualTo("SIGKILL"); // the JSON keeps the name
    }

    @Test
    void exitRendersLikeGo() {
        assertThat(Exit.exited(3, T)).hasToString("exit status 3");
        assertThat(Exit.exited(0, T)).hasToString("exit status 0");
        assertThat(Exit.killed(Signal.SIGKILL, false, T)).hasToString("signal: killed");
        assertThat(Exit.killed(Signal.SIGTERM, false, T)).hasToString("signal: terminated");
    }

    @Test
    void killedExitCodeIs128PlusSignal() {
        Exit k = Exit.killed(Signal.SIGKILL, true, T);
        assertThat(k.exitCode()).isEqualTo(137);
        assertThat(k.signal()).contains(Signal.SIGKILL);
        assertThat(k.oomKilled()).isTrue();
        assertThat(k.exitedAt()).isEqualTo(T);
        assertThat(k.success()).isFalse();
        assertThat(Exit.killed(Signal.SIGTERM, false, T).exitCode()).isEqualTo(143);
        assertThat(Exit.killed(Signal.SIGHUP, false, T).exitCode()).isEqualTo(129);
        assertThat(Exit.killed(Signal.of(64), false, T).exitCode()).isEqualTo(192);
    }

    @Test
    void exitedStatus() {
        Exit e = Exit.exited(3, T);
        assertThat(e.exitCode()).isEqualTo(3);
        assertThat(e.signal()).isEmpty();
        assertThat(e.oomKilled()).isFalse();
        assertThat(e.success()).isFalse();
        assertThat(Exit.exited(0, T).success()).isTrue();
        assertThatThrownBy(() -> new Exit(0, null, false, T)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Exit(0, Optional.empty(), false, null)).isInstanceOf(NullPointerException.class);
    }

    // ---- Identifiers ----

    @Test
    void validIdentifiersAreReturned() {
        assertThat(Identifiers.require("id", "a")).isEqualTo("a");
        assertThat(Identifiers.require("id", "web-1.v2_x")).isEqualTo("web-1.v2_x");
        assertThat(Identifiers.require("id", "9lives")).isEqualTo("9lives");
        String max = "a".repeat(Identifiers.MAX_LENGTH);
        assertThat(Identifiers.require("id", max)).isEqualTo(max);
    }

    @Test
    void invalidIdentifiersNameTheField() {
        assertInvalid(() -> Identifiers.require("namespace", ""), "namespace", "empty");
        assertInvalid(() -> Identifiers.require("namespace", null), "namespace");
        assertInvalid(() -> Identifiers.require("execId", "../x"), "execId", "../x");
        assertInvalid(() -> Identifiers.require("execId", "a/b"), "execId", "a/b");
        assertInvalid(() -> Identifiers.require("id", "-x"), "id", "-x");
        assertInvalid(() -> Identifiers.require("id", ".hidden"), "id");
        assertInvalid(() -> Identifiers.require("id", "_x"), "id");
        assertInvalid(() -> Identifiers.require("id", "a b"), "id");
        assertInvalid(() -> Identifiers.require("id", "a\nb"), "id");
        assertInvalid(() -> Identifiers.require("id", "é"), "id");
        assertInvalid(() -> Identifiers.require("taskId", "a".repeat(77)), "taskId", "77", "76");
    }

    // ---- ProcessSpec ----

    @Test
    void processSpecDefaults() {
        ProcessSpec p = ProcessSpec.of("/bin/echo", "hi");
        assertThat(p.args()).containsExactly("/bin/echo", "hi");
        assertThat(p.env()).isEmpty();
        assertThat(p.cwd()).isEmpty();
        assertThat(p.stdin()).isEqualTo(Redirect.NULL);
        assertThat(p.stdout()).isEqualTo(Redirect.NULL);
        assertThat(p.stderr()).isEqualTo(Redirect.NULL);
        assertThat(p.logs()).isEqualTo(LogConfig.DEFAULT);
        assertThat(p.capturesOutput()).isFalse();
    }

    @Test
    void processSpecCopiesItsInputs() {
        List<String> args = new ArrayList<>(List.of("/bin/echo", "a"));
        Map<String, String> env = new HashMap<>(Map.of("A", "1"));
        ProcessSpec p = new ProcessSpec(args, env, Optional.empty(), Redirect.NULL, Redirect.PIPE, Redirect.STDOUT,
                LogConfig.DEFAULT);
        args.add("b");
        env.put("B", "2");
        assertThat(p.args()).containsExactly("/bin/echo", "a");
        assertThat(p.env()).containsExactly(Map.entry("A", "1"));
        assertThat(p.capturesOutput()).isTrue();
    }

    @Test
    void builderAndToBuilderRoundTrip() {
        ProcessSpec p = ProcessSpec.builder("/bin/sh", "-c", "env")
                .env("A", "1").env(Map.of("B", "2=3"))
                .cwd(Path.of("/tmp"))
                .stdin(Redirect.PIPE)
                .captureOutput()
                .build();
        assertThat(p.env()).containsOnly(Map.entry("A", "1"), Map.entry("B", "2=3"));
        assertThat(p.cwd()).contains(Path.of("/tmp"));
        assertThat(p.stdout()).isEqualTo(Redirect.PIPE);
        assertThat(p.stderr()).isEqualTo(Redirect.PIPE);
        assertThat(p.toBuilder().build()).isEqualTo(p);
        assertThat(p.toBuilder().args(List.of("/bin/true")).build().args()).containsExactly("/bin/true");
    }

    @Test
    void processSpecRejectsBadArgs() {
        assertInvalid(() -> ProcessSpec.of(), "args");
        assertInvalid(() -> ProcessSpec.builder(List.of()).build(), "args");
        assertInvalid(() -> ProcessSpec.of(" "), "args");
        assertInvalid(() -> ProcessSpec.of("/bin/echo", "a\0b"), "args[1]", "NUL");
        assertInvalid(() -> ProcessSpec.of("/bin/ec\0ho"), "args[0]");
    }

    @Test
    void processSpecRejectsBadEnv() {
        assertInvalid(() -> ProcessSpec.builder("/bin/true").env("A=B", "x").build(), "env", "A=B");
        assertInvalid(() -> ProcessSpec.builder("/bin/true").env("", "x").build(), "env");
        assertInvalid(() -> ProcessSpec.builder("/bin/true").env("A\0", "x").build(), "env");
        assertInvalid(() -> ProcessSpec.builder("/bin/true").env("A", "x\0y").build(), "env.A");
        assertInvalid(() -> ProcessSpec.builder("/bin/true").env("A", null).build(), "env.A");
    }

    @Test
    void processSpecRejectsRelativeCwd() {
        assertInvalid(() -> ProcessSpec.builder("/bin/true").cwd(Path.of("rel/dir")).build(), "cwd", "rel/dir");
        assertThat(ProcessSpec.builder("/bin/true").cwd(Path.of("/")).build().cwd()).contains(Path.of("/"));
    }

    @Test
    void processSpecRejectsStdoutOrStdinToStdout() {
        assertInvalid(() -> ProcessSpec.builder("/bin/true").stdout(Redirect.STDOUT).build(), "stdout");
        assertInvalid(() -> ProcessSpec.builder("/bin/true").stdin(Redirect.STDOUT).build(), "stdin");
        assertThat(ProcessSpec.builder("/bin/true").stdout(Redirect.PIPE).stderr(Redirect.STDOUT).build().stderr())
                .isEqualTo(Redirect.STDOUT);
    }

    // ---- TaskSpec ----

    @Test
    void taskSpecValidatesItsId() {
        ProcessSpec p = ProcessSpec.of("/bin/true");
        assertThat(TaskSpec.of("web-1", p).id()).isEqualTo("web-1");
        assertInvalid(() -> TaskSpec.of("", p), "id");
        assertInvalid(() -> TaskSpec.of("../etc", p), "id", "../etc");
        assertInvalid(() -> TaskSpec.of("a/b", p), "id");
        assertInvalid(() -> TaskSpec.of("-a", p), "id");
        assertInvalid(() -> TaskSpec.of("x".repeat(77), p), "id");
        assertThatThrownBy(() -> TaskSpec.of("ok", null)).isInstanceOf(NullPointerException.class);
    }

    // ---- Durations ----

    @Test
    void durationsRequireNonNegative() {
        assertThat(Durations.requireNonNegative("timeout", Duration.ZERO)).isEqualTo(Duration.ZERO);
        assertThat(Durations.requireNonNegative("timeout", Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertInvalid(() -> Durations.requireNonNegative("timeout", Duration.ofMillis(-1)), "timeout", "negative");
        assertInvalid(() -> Durations.requireNonNegative("grace", null), "grace");
    }
}
