package overseer.supervisor;

import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Every JobState, reached by real processes and built-ins. */
class JobStatesTest extends SupervisorFixture {
    @Test
    void success() throws Exception {
        JobResult r = supervisor.run(shell(uniqueId("ok"), "echo hello; echo warn >&2")).await();
        assertThat(r.state()).isEqualTo(JobState.SUCCESS);
        assertThat(r.code()).isZero();
        assertThat(r.streams()).containsExactly("hello", "warn");
        assertThat(r.command()).isEqualTo("core.system");
        assertThat(r.starttime()).isPositive();
        assertThat(r.time()).isNotNegative();
    }

    @Test
    void error() throws Exception {
        JobResult r = supervisor.run(shell(uniqueId("err"), "exit 4")).await();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(r.code()).isEqualTo(1004); // 0-core: 1000 + the exit status
    }

    @Test
    void timeoutKillsTheWholeGroup() throws Exception {
        String id = uniqueId("slow");
        Job job = supervisor.run(with(shell(id, "sleep 1000 & echo $!; wait"), "", 1, 0, 0, List.of(), false));
        List<Message> lines = new CopyOnWriteArrayList<>();
        job.subscribe(lines::add);
        JobResult r = job.await();
        assertThat(r.state()).isEqualTo(JobState.TIMEOUT);
        assertThat(r.code()).isEqualTo(999); // 0-core: killed by a signal
        long grandchild = Long.parseLong(r.streams().getFirst().strip());
        await().atMost(Duration.ofSeconds(5)).until(() -> gone(grandchild));
    }

    @Test
    void killed() throws Exception {
        Job job = supervisor.run(shell(uniqueId("victim"), "sleep 1000"));
        await().atMost(Duration.ofSeconds(5)).until(() -> job.pid() > 0);
        supervisor.kill(job.command().id());
        JobResult r = job.await();
        assertThat(r.state()).isEqualTo(JobState.KILLED);
        assertThat(r.code()).isEqualTo(999); // SIGTERM, the default stop signal: 0-core's 999
    }

    @Test
    void unknownCommand() throws Exception {
        List<JobResult> seen = new CopyOnWriteArrayList<>();
        supervisor.onResult(seen::add);
        Job job = supervisor.run(new Command(uniqueId("u"), "no.such.kind", null, "", 0, 0, 0, 0, false, List.of(),
                List.of("t"), false));
        JobResult r = job.await();
        assertThat(r.state()).isEqualTo(JobState.UNKNOWN_CMD);
        assertThat(r.data()).contains("no.such.kind");
        assertThat(r.tags()).containsExactly("t");
        assertThat(seen).containsExactly(r);
    }

    @Test
    void duplicateIdOfALiveJob() throws Exception {
        String id = uniqueId("dup");
        Job first = supervisor.run(shell(id, "sleep 1000"));
        JobResult r = supervisor.run(shell(id, "true")).await();
        assertThat(r.state()).isEqualTo(JobState.DUPILICATE_ID);
        assertThat(supervisor.jobs()).containsKey(id);
        first.kill();
        assertThat(first.await().state()).isEqualTo(JobState.KILLED);
        assertThat(supervisor.run(shell(id, "true")).await().state()).isEqualTo(JobState.SUCCESS);
    }

    @Test
    void emptyIdGetsAUuid() throws Exception {
        JobResult r = supervisor.run(shell("", "true")).await();
        assertThat(r.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    @Test
    void invalidIdIsRefused() {
        assertThatThrownBy(() -> supervisor.run(shell("../x", "true"))).isInstanceOfSatisfying(OverseerException.class,
                e -> assertThat(e.getMessage()).startsWith("id: "));
    }

    @Test
    void badArgumentsAreAnErrorNamingTheField() throws Exception {
        ObjectNode a = Commands.JSON.createObjectNode();
        a.put("name", "/bin/true");
        a.put("colour", "red");
        JobResult r = supervisor.run(Command.system(uniqueId("bad"), a)).await();
        assertThat(r.state()).isEqualTo(JobState.ERROR);
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.data()).startsWith("arguments.colour: unknown field");

        JobResult missing = supervisor.run(Command.system(uniqueId("nobin"), sh("x").deepCopy())).await();
        assertThat(missing.state()).isEqualTo(JobState.ERROR); // sh -c x: exit 127 from the shell

        ObjectNode nobin = Commands.JSON.createObjectNode();
        nobin.put("name", "/no/such/binary");
        JobResult r2 = supervisor.run(Command.system(uniqueId("nobin"), nobin)).await();
        assertThat(r2.state()).isEqualTo(JobState.ERROR);
        assertThat(r2.data()).startsWith("args[0]: no such file or directory");
    }

    @Test
    void builtInsWithAndWithoutContext() throws Exception {
        supervisor.registry().registerBuiltIn("test.add", cmd -> cmd.arguments().get("a").asInt() + cmd.arguments().get("b").asInt());
        supervisor.registry().registerBuiltInWithContext("test.talk", ctx -> {
            ctx.message(1, "talking");
            ctx.message(10, "calls:1|A");
            return Map.of("ok", true);
        });
        ObjectNode args = Commands.JSON.createObjectNode().put("a", 2).put("b", 3);
        JobResult sum = supervisor.run(new Command(uniqueId("add"), "test.add", args, "", 0, 0, 0, 0, false, List.of(),
                List.of(), false)).await();
        assertThat(sum.state()).isEqualTo(JobState.SUCCESS);
        assertThat(sum.data()).isEqualTo("5");
        assertThat(sum.level()).isEqualTo(20);

        Job talk = supervisor.run(new Command(uniqueId("talk"), "test.talk", null, "", 0, 0, 0, 0, false, List.of(),
                List.of(), false));
        JobResult r = talk.await();
        assertThat(r.data()).isEqualTo("{\"ok\":true}");
        assertThat(r.streams().getFirst()).isEqualTo("talking");
        assertThat(talk.stats()).extracting(AggregatedStat::key).contains("calls");
    }

    @Test
    void builtInErrorsCarryTheirCodeAndTheManagerGoesOn() throws Exception {
        supervisor.registry().registerBuiltIn("test.missing", cmd -> {
            throw JobError.notFound("no such widget");
        });
        supervisor.registry().registerBuiltIn("test.crash", cmd -> {
            throw new IllegalStateException("boom");
        });
        JobResult nf = supervisor.run(new Command(uniqueId("nf"), "test.missing", null, "", 0, 0, 0, 0, false, List.of(),
                List.of(), false)).await();
        assertThat(nf.state()).isEqualTo(JobState.ERROR);
        assertThat(nf.code()).isEqualTo(404);
        assertThat(nf.critical()).isEqualTo("no such widget");
        JobResult crash = supervisor.run(new Command(uniqueId("crash"), "test.crash", null, "", 0, 0, 0, 0, false,
                List.of(), List.of(), false)).await();
        assertThat(crash.state()).isEqualTo(JobState.ERROR);
        assertThat(crash.code()).isEqualTo(500);
        assertThat(crash.critical()).contains("boom");
        assertThat(supervisor.run(shell(uniqueId("after"), "true")).await().state()).isEqualTo(JobState.SUCCESS);
        assertThat(List.of(JobError.badRequest("x").code(), JobError.notAcceptable("x").code(),
                JobError.preconditionFailed("x").code(), JobError.internal("x").code(),
                JobError.serviceUnavailable("x").code())).containsExactly(400, 406, 412, 500, 503);
    }

    @Test
    void builtInTimeoutAndKill() throws Exception {
        supervisor.registry().registerBuiltIn("test.block", cmd -> {
            Thread.sleep(Duration.ofHours(1));
            return null;
        });
        Command block = new Command(uniqueId("block"), "test.block", null, "", 0, 1, 0, 0, false, List.of(), List.of(), false);
        assertThat(supervisor.run(block).await().state()).isEqualTo(JobState.TIMEOUT);
        Job j = supervisor.run(block.withId(uniqueId("block")).withId(uniqueId("kill")));
        j.kill();
        assertThat(j.await().state()).isEqualTo(JobState.KILLED);
    }

    @Test
    void extensionsRunTheirExecutable() throws Exception {
        supervisor.registry().registerExtension("test.greet", "/bin/echo", "/tmp", List.of("hello", "{who}"), Map.of());
        ObjectNode args = Commands.JSON.createObjectNode().put("who", "world");
        args.putArray("args").add("!");
        JobResult r = supervisor.run(new Command(uniqueId("greet"), "test.greet", args, "", 0, 0, 0, 0, false, List.of(),
                List.of(), false)).await();
        assertThat(r.state()).isEqualTo(JobState.SUCCESS);
        assertThat(r.streams().getFirst()).isEqualTo("hello world !");
        assertThatThrownBy(() -> supervisor.registry().registerExtension("test.greet", "/bin/true", "", List.of(), Map.of()))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
    }

    @Test
    void stdinFromArguments() throws Exception {
        ObjectNode a = Commands.JSON.createObjectNode();
        a.put("name", "/bin/cat");
        a.put("stdin", "fed through stdin\n");
        JobResult r = supervisor.run(Command.system(uniqueId("cat"), a)).await();
        assertThat(r.streams().getFirst()).isEqualTo("fed through stdin");
    }

    @Test
    void resultDataCriticalAndLevelsFromTheProtocol() throws Exception {
        Job job = supervisor.run(with(shell(uniqueId("proto"),
                "echo plain; echo '9::disk on fire'; echo '10::requests:3|A|route=/x'; echo '10::requests:5|A|route=/x';"
                        + " echo '20:::{'; echo '\"n\": 1}'; echo ':::'"), "", 0, 0, 0, List.of(), false));
        JobResult r = job.await();
        assertThat(r.data()).isEqualTo("{\n\"n\": 1}");
        assertThat(r.level()).isEqualTo(20);
        assertThat(r.critical()).isEqualTo("disk on fire");
        assertThat(r.streams().getFirst()).isEqualTo("plain");
        assertThat(job.stats()).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo("requests");
            assertThat(s.value()).isEqualTo(4.0);
            assertThat(s.tags()).containsExactly(new Tag("route", "/x"));
        });
    }

    @Test
    void logLevelsFilterWhatSubscribersGet() throws Exception {
        Job job = supervisor.run(with(shell(uniqueId("levels"), "echo out; echo err >&2; echo '4::ops'"),
                "", 0, 0, 0, List.of(2, 4), false), JobOptions.builder().runBlock(true).build());
        List<Message> got = new CopyOnWriteArrayList<>();
        job.subscribe(got::add); // the job is run-blocked: nothing can be missed
        job.attach();
        job.await();
        assertThat(got).extracting(Message::level, Message::text).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(2, "err"), org.assertj.core.groups.Tuple.tuple(4, "ops"));
    }

    @Test
    void processStatsAreSampled() throws Exception {
        Command c = shell(uniqueId("stats"), "i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done");
        c = new Command(c.id(), c.command(), c.arguments(), "", 1, 0, 0, 0, false, List.of(), List.of(), false);
        Job job = supervisor.run(c);
        await().atMost(Duration.ofSeconds(10)).until(() -> job.stats().stream().anyMatch(s -> s.key().equals("rss")));
        job.kill();
        job.await();
        assertThat(job.stats()).extracting(AggregatedStat::key).contains("cpu", "rss", "vms", "swap");
        assertThat(job.stats()).filteredOn(s -> s.key().equals("rss")).first()
                .satisfies(s -> assertThat(s.value()).isPositive());
    }

    static boolean gone(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
