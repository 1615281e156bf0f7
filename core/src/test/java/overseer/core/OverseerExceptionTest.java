package overseer.core;

import org.junit.jupiter.api.Test;
import overseer.core.internal.Durations;
import overseer.core.internal.Executables;
import overseer.core.internal.Sizes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What code acts on is typed: the field an error is about and its reason, never its message. */
class OverseerExceptionTest {
    @Test
    void aFieldErrorReadsFieldThenDetail() {
        OverseerException e = OverseerException.invalidField("resources.cpus", "%s is out of range (0, 4096]", 0.0);
        assertThat(e.getMessage()).isEqualTo("resources.cpus: 0.0 is out of range (0, 4096]");
        assertThat(e.field()).contains("resources.cpus");
        assertThat(e.detail()).isEqualTo("0.0 is out of range (0, 4096]");
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(e.reason()).isEqualTo(OverseerException.Reason.GENERAL);
    }

    @Test
    void withFieldTellsTheSameErrorInAnEdgesWords() {
        OverseerException spec = OverseerException.executableNotFound("no such file or directory: \"x\"");
        OverseerException flag = spec.withField("COMMAND");
        assertThat(flag.getMessage()).isEqualTo("COMMAND: no such file or directory: \"x\"");
        assertThat(flag.kind()).isEqualTo(spec.kind());
        assertThat(flag.reason()).isEqualTo(OverseerException.Reason.EXECUTABLE_NOT_FOUND);
        assertThat(flag.getCause()).isSameAs(spec);
        assertThat(spec.under("web.yaml: services[1]", ".").getMessage())
                .isEqualTo("web.yaml: services[1].args[0]: no such file or directory: \"x\"");
    }

    @Test
    void anErrorWithoutAFieldIsItsMessage() {
        OverseerException e = OverseerException.failedPrecondition("cannot start a running process");
        assertThat(e.field()).isEmpty();
        assertThat(e.detail()).isEqualTo(e.getMessage()).isEqualTo("cannot start a running process");
    }

    @Test
    void theModelsErrorsNameTheirFields() {
        assertThat(catchThrowableOfType(OverseerException.class, () -> Resources.builder().memoryBytes(1).build()).field())
                .contains("resources.memoryBytes");
        assertThat(catchThrowableOfType(OverseerException.class, () -> Signal.parse("SIGNOPE")).field()).contains("signal");
        assertThat(catchThrowableOfType(OverseerException.class, () -> Isolation.Mount.parse("nocolon")).field()).contains("mounts");
        // a lone surrogate (a JSON u-escape of DDDD) is no path in any encoding: Path.of throws InvalidPathException (bin/fuzz)
        assertThat(catchThrowableOfType(OverseerException.class, () -> Isolation.Mount.parse("a\udddd:/b")).field()).contains("mounts");
        assertThat(catchThrowableOfType(OverseerException.class, () -> Sizes.parse("--memory", "lots")).field()).contains("--memory");
        assertThat(catchThrowableOfType(OverseerException.class, () -> Durations.parse("--timeout", "soon")).field()).contains("--timeout");
    }

    @Test
    void aProgramThatIsNotThereAndOneThatCannotRunHaveReasonsOfTheirOwn() {
        OverseerException missing = catchThrowableOfType(OverseerException.class,
                () -> Executables.resolve(ProcessSpec.of("/no/such/program")));
        assertThat(missing.reason()).isEqualTo(OverseerException.Reason.EXECUTABLE_NOT_FOUND);
        assertThat(missing.getMessage()).isEqualTo("args[0]: no such file or directory: \"/no/such/program\"");
        OverseerException directory = catchThrowableOfType(OverseerException.class, () -> Executables.resolve(ProcessSpec.of("/tmp")));
        assertThat(directory.reason()).isEqualTo(OverseerException.Reason.NOT_EXECUTABLE);
        assertThat(directory.field()).contains("args[0]");
    }

    @Test
    void killingAStoppedProcessIsProcessFinishedAndTerminateIgnoresIt() throws Exception {
        try (Tasks tasks = new Tasks(new PortableRuntime())) {
            Task t = tasks.run(TaskSpec.of("done", ProcessSpec.of("/bin/true")));
            t.await();
            OverseerException e = catchThrowableOfType(OverseerException.class, () -> t.kill(Signal.SIGKILL, false));
            assertThat(e.reason()).isEqualTo(OverseerException.Reason.PROCESS_FINISHED);
            assertThat(e.getMessage()).isEqualTo("process already finished");
            t.terminate(); // best effort, as Lambda's: no error for a process that has exited
            t.delete();
        }
    }
}
