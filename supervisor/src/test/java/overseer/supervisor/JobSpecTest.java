package overseer.supervisor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Resources;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Typed jobs: a process given directly, no command kind or JSON arguments between; and what a refusal keeps. */
class JobSpecTest extends SupervisorFixture {
    private static final List<String> WIRE_FIELDS = List.of("id", "command", "data", "streams", "critical", "level",
            "state", "code", "starttime", "time", "tags", "container");

    @Test
    void aTypedJobRunsItsProcessAsGivenWithNoKindRegistered() throws Exception {
        List<String> kinds = supervisor.registry().names();
        ProcessSpec p = ProcessSpec.builder("/bin/sh", "-c", "echo \"$ONLY\"; echo \"home=$HOME\"")
                .env(Map.of("ONLY", "given")).captureOutput().build();
        Job job = supervisor.run(JobSpec.builder(uniqueId("typed")).process(p).command(c -> c.tags(List.of("t1"))).build());

        JobResult r = job.await();
        assertThat(r.state()).isEqualTo(JobState.SUCCESS);
        assertThat(r.streams().getFirst()).as("the environment as given, nothing inherited").isEqualTo("given\nhome=");
        assertThat(r.command()).isEqualTo(CommandRegistry.SYSTEM);
        assertThat(r.tags()).containsExactly("t1");
        assertThat(r.cause()).isEmpty();
        assertThat(job.command().arguments().isNull()).as("no JSON made of the process").isTrue();
        assertThat(supervisor.registry().names()).isEqualTo(kinds);
    }

    @Test
    void aTypedJobKeepsZeroCoresSchedulingFields() throws Exception {
        String q = uniqueId("q");
        Job first = supervisor.run(JobSpec.builder(uniqueId("first")).command(c -> c.queue(q))
                .process(ProcessSpec.builder("/bin/sleep", "1000").build()).build());
        Job second = supervisor.run(JobSpec.builder(uniqueId("second")).command(c -> c.queue(q))
                .process(ProcessSpec.builder("/bin/true").build()).build());
        assertThat(second.await(Duration.ofMillis(300))).as("queued behind the first").isEmpty();
        first.kill();
        assertThat(first.await().state()).isEqualTo(JobState.KILLED);
        assertThat(second.await().state()).isEqualTo(JobState.SUCCESS);
    }

    @Test
    void aBuiltInJobIsJavaCodeNamedByItsKind() throws Exception {
        JobResult r = supervisor.run(JobSpec.builder(uniqueId("sum")).builtIn("test.sum", ctx -> 40 + 2).build()).await();
        assertThat(r.state()).isEqualTo(JobState.SUCCESS);
        assertThat(r.command()).isEqualTo("test.sum");
        assertThat(r.data()).isEqualTo("42");
    }

    @Test
    void aSpecWithoutAProcessIsRefusedNamingTheField() {
        OverseerException e = catchThrowableOfType(OverseerException.class, () -> JobSpec.builder("x").build());
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThat(e.getMessage()).isEqualTo("process: a job needs a task or a built-in to run");
    }

    private JobResult missingProgram() throws InterruptedException {
        return supervisor.run(JobSpec.builder(uniqueId("nobin"))
                .process(ProcessSpec.builder("/no/such/program").build()).build()).await();
    }

    @Test
    void aProgramThatIsNotThereKeepsItsKindBesideZeroCoresCode() throws Exception {
        JobResult r = missingProgram();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(r.code()).isEqualTo(404);
        assertThat(r.errorKind()).contains(ErrorKind.INVALID_ARGUMENT);
        assertThat(r.cause().orElseThrow().getMessage()).isEqualTo(r.data()).startsWith("args[0]: no such file");
        assertThat(r.summary()).startsWith("could not start: args[0]: no such file");
    }

    @Test
    void argumentsTheKindRefusesAreAnErrorWithTheRefusalAsCause() throws Exception {
        JobResult r = supervisor.run(Command.system(uniqueId("bad"), Commands.JSON.createObjectNode().put("dir", "/")))
                .await();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.errorKind()).contains(ErrorKind.INVALID_ARGUMENT);
        assertThat(r.data()).startsWith("arguments.name:");
    }

    /** A host without a memory controller: 0-core's code stays 400, the kind says it is the host's (UNAVAILABLE). */
    @Test
    void aLimitTheHostCannotApplyIsUnavailableNotABadRequest(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu pids\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu pids\n");
        try (Tasks fake = new Tasks(new NativeRuntime(NativeRuntime.Options.defaults().withCgroupRoot(root)));
             Supervisor pm = new Supervisor(fake)) {
            TaskSpec task = TaskSpec.of("job", ProcessSpec.builder("/bin/true").build())
                    .withResources(Resources.builder().memoryBytes(64L << 20).build());
            JobResult r = pm.run(JobSpec.builder(uniqueId("nomem")).task(task).build()).await();

            assertThat(r.state()).isEqualTo(JobState.ERROR);
            assertThat(r.code()).isEqualTo(400);
            assertThat(r.errorKind()).contains(ErrorKind.UNAVAILABLE);
            assertThat(r.data()).isEqualTo("resources.memoryBytes: this host has no memory controller (neither cgroup v2 nor v1)");
        }
    }

    @Test
    void theCauseStaysOffZeroCoresWireAndIsAbsentWhenReadBack() throws Exception {
        JobResult r = missingProgram();
        JsonNode json = Commands.JSON.readTree(Commands.toJson(r));
        assertThat(json.properties()).extracting(Map.Entry::getKey).containsExactlyInAnyOrderElementsOf(WIRE_FIELDS);

        JobResult back = Commands.JSON.readValue(Commands.toJson(r), JobResult.class);
        assertThat(back.cause()).isEmpty();
        assertThat(back.code()).isEqualTo(404);
        assertThat(back.data()).isEqualTo(r.data());
    }

    @Test
    void commandsBuilderNamesZeroCoresFields() {
        Command built = Command.builder("core.system").id("a").queue("q").statsInterval(1).maxTime(2).maxRestart(3)
                .recurringPeriod(4).stream(true).logLevels(List.of(1, 2)).tags(List.of("x")).protect(true).build();
        Command positional = new Command("a", "core.system", null, "q", 1, 2, 3, 4, true, List.of(1, 2), List.of("x"), true);
        assertThat(built).isEqualTo(positional);
        assertThat(Commands.parse(Commands.toJson(built))).isEqualTo(built);
        assertThat(built.toBuilder().id("b").build().id()).isEqualTo("b");
    }
}
