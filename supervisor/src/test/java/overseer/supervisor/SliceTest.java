package overseer.supervisor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A slice is checked whole before anything starts: each bad slice here leaves the supervisor without a job. */
class SliceTest {
    private Tasks tasks;
    private Supervisor supervisor;
    private SliceRunner runner;

    @BeforeEach
    void setUp() {
        tasks = new Tasks(new NativeRuntime());
        supervisor = new Supervisor(tasks);
        runner = new SliceRunner(supervisor);
    }

    @AfterEach
    void tearDown() {
        try {
            supervisor.shutdown(Duration.ofSeconds(5));
        } finally {
            tasks.close();
        }
    }

    /** Parses and starts {@code yaml}; it must fail with INVALID_ARGUMENT, and nothing must have started. */
    private void rejected(String yaml, String message) {
        assertThatThrownBy(() -> runner.start(SliceFile.parse(yaml)))
                .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining(message);
        assertThat(supervisor.jobs()).isEmpty();
        assertThat(tasks.list()).isEmpty();
    }

    private static final String OK = "    command: [/bin/sh, -c, 'exec sleep 1000']\n";

    @Test
    void aCycleIsRejectedWithItsPath() {
        rejected("""
                services:
                  - name: a
                    command: [/bin/sh, -c, 'exec sleep 1000']
                    after: [c]
                  - name: b
                    command: [/bin/sh, -c, 'exec sleep 1000']
                    after: [a]
                  - name: c
                    command: [/bin/sh, -c, 'exec sleep 1000']
                    after: [b]
                  - name: free
                    command: [/bin/true]
                """, "services[0].after: cycle a -> c -> b -> a");
    }

    @Test
    void aCycleBelowAnInnocentServiceIsFoundToo() {
        rejected("services:\n  - name: top\n" + OK + "    after: [x]\n  - name: x\n" + OK + "    after: [y]\n"
                + "  - name: y\n" + OK + "    after: [x]\n", "cycle x -> y -> x");
    }

    @Test
    void aServiceAfterItselfIsACycle() {
        rejected("services:\n  - name: a\n" + OK + "    after: [a]\n", "services[0].after: cycle a -> a");
    }

    @Test
    void anUnknownNameInAfterIsRejected() {
        rejected("services:\n  - name: web\n" + OK + "    after: [db]\n",
                "services[0].after[0]: no service is named \"db\"");
    }

    @Test
    void aDuplicateNameIsRejected() {
        rejected("services:\n  - name: a\n" + OK + "  - name: b\n" + OK + "  - name: a\n" + OK,
                "services[2].name: \"a\" is already the name of services[0]");
    }

    @Test
    void aBadRegexIsRejectedNamingTheField() {
        rejected("services:\n  - name: a\n" + OK + "  - name: b\n" + OK + "    ready: {match: 'Ready ('}\n",
                "services[1].ready.match: not a valid regular expression \"Ready (\"");
    }

    @Test
    void aNegativeDelayIsRejected() {
        rejected("services:\n  - name: a\n" + OK + "    ready: {delay: -2s}\n",
                "services[0].ready.delay: must not be negative");
        assertThatThrownBy(() -> new Slice(Slice.Service.of("a", List.of("/bin/true"))
                .withReady(Slice.Readiness.delay(Duration.ofSeconds(-1)))))
                .hasMessageStartingWith("services[0].ready.delay: must not be negative");
    }

    @Test
    void anEmptyCommandIsRejected() {
        rejected("services:\n  - name: a\n    command: []\n", "services[0].command: must name a program");
        assertThatThrownBy(() -> new Slice(Slice.Service.of("a", List.of())))
                .hasMessageStartingWith("services[0].command: must name a program");
    }

    @Test
    void absurdValuesAreRejected() {
        rejected("services:\n  - name: a\n" + OK + "    ready: {delay: 900h}\n", "services[0].ready.delay: 900h is longer than 24h");
        rejected("services:\n  - name: a\n" + OK + "    restart: on-failure\n    max_restarts: -1\n",
                "services[0].max_restarts: -1 is out of range");
        rejected("services:\n  - name: a\n" + OK + "    restart: sometimes\n", "services[0].restart: expected never, on-failure or always");
        rejected("services:\n  - name: 'a b'\n" + OK, "services[0].name: \"a b\" is not a valid identifier");
        rejected("services:\n  - name: a\n" + OK + "    ready: exited\n    restart: always\n",
                "services[0].restart: a one-shot cannot restart always");
        rejected("services:\n  - name: a\n" + OK + "    ready: {delay: 1s, match: x}\n",
                "services[0].ready: expected exactly one of match or delay");
        rejected("services:\n  - name: a\n" + OK + "    ready_timeout: 0s\n", "services[0].ready_timeout: must be positive");
        rejected("services:\n  - name: a\n" + OK + "    dir: relative/path\n", "services[0].dir: must be an absolute path");
        rejected("services: []\n", "services: a slice needs at least one service");
    }

    @Test
    void aCharacterOutsideTheBmpAtTheReadersBufferEdgeParses() {
        // The YAML reader fills 1024 chars at a time; a surrogate pair split by that edge once threw
        // IndexOutOfBoundsException (found by bin/fuzz), which a file with an emoji at the wrong offset would hit.
        String emoji = "\uD83D\uDE00";
        String yaml = "#" + "x".repeat(1023) + emoji + "\nservices:\n  - name: a\n    command: [/bin/echo, " + emoji + "]\n";
        assertThat(yaml.indexOf(emoji)).isEqualTo(1024);
        Slice slice = SliceFile.parse(yaml);
        assertThat(slice.services().getFirst().command()).containsExactly("/bin/echo", emoji);
    }

    @Test
    void unknownFieldsAreRejectedNamingThem() {
        rejected("services:\n  - name: a\n" + OK + "    restarts: 3\n", "services[0].restarts: unknown field");
        rejected("services:\n  - name: a\n" + OK + "    ready: {regex: x}\n", "services[0].ready.regex: unknown field");
        rejected("version: 2\nservices:\n  - name: a\n" + OK, "slice.version: unknown field");
        rejected("services:\n  - name: a\n" + OK + "    ready: running\n", "services[0].ready: expected exited");
        rejected("services:\n  - name: a\n" + OK + "    name: b\n", "not valid YAML");
        rejected("services:\n  - name: a\n    command: /bin/true\n", "services[0].command: expected a list of strings");
        rejected("services:\n  - name: a\n    command: [/bin/sh, [x]]\n", "services[0].command[1]: expected a string");
    }

    @Test
    void aSliceWhoseJobsAreRunningAlreadyIsRefusedBeforeAnythingStarts() throws Exception {
        Slice slice = new Slice(Slice.Service.of("a", List.of("/bin/sh", "-c", "exec sleep 1000"))
                        .withReady(Slice.Readiness.delay(Duration.ZERO)),
                Slice.Service.of("b", List.of("/bin/sh", "-c", "exec sleep 1000")).withAfter("a")
                        .withReady(Slice.Readiness.delay(Duration.ZERO)));
        try (SliceRun first = runner.start(new Slice(slice.service("b").withAfter()))) {
            assertThat(first.awaitSettled(Duration.ofSeconds(10))).isTrue();
            assertThatThrownBy(() -> runner.start(slice))
                    .isInstanceOfSatisfying(OverseerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS))
                    .hasMessageContaining("slice-b");
            assertThat(supervisor.jobs()).containsOnlyKeys("slice-b"); // a was not started
        }
    }

    @Test
    void theExampleOfTheDocsParses() {
        Slice slice = SliceFile.parse("""
                services:
                  - name: db
                    command: [/usr/bin/redis-server, --port, "6390"]
                    ready: {match: "Ready to accept connections"}
                  - name: migrate
                    command: [/bin/sh, -c, "echo migrating"]
                    after: [db]
                    ready: exited
                  - name: web
                    command: [/usr/bin/python3, -m, http.server, 8080]
                    env: {PYTHONUNBUFFERED: "1", PORT: 8080}
                    dir: /tmp
                    after: [migrate]
                    ready: {delay: 1500ms}
                    restart: on-failure
                    max_restarts: 3
                    ready_timeout: 1m
                """);
        Slice.Service db = slice.service("db");
        assertThat(db.command()).containsExactly("/usr/bin/redis-server", "--port", "6390");
        assertThat(db.ready()).isInstanceOfSatisfying(Slice.Readiness.Match.class,
                m -> assertThat(m.pattern().pattern()).isEqualTo("Ready to accept connections"));
        assertThat(db.oneshot()).isFalse();
        assertThat(db.restart()).isEqualTo(RestartPolicy.Mode.NEVER);
        Slice.Service migrate = slice.service("migrate");
        assertThat(migrate.ready()).isEqualTo(Slice.Readiness.EXITED);
        assertThat(migrate.oneshot()).isTrue();
        assertThat(migrate.after()).containsExactly("db");
        Slice.Service web = slice.service("web");
        assertThat(web.command()).endsWith("8080");
        assertThat(web.env()).containsExactlyInAnyOrderEntriesOf(Map.of("PYTHONUNBUFFERED", "1", "PORT", "8080"));
        assertThat(web.dir()).contains(Path.of("/tmp"));
        assertThat(web.ready()).isEqualTo(new Slice.Readiness.Delay(Duration.ofMillis(1500)));
        assertThat(web.restart()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
        assertThat(web.maxRestarts()).isEqualTo(3);
        assertThat(web.readyTimeout()).contains(Duration.ofMinutes(1));
        assertThat(slice.startOrder()).extracting(Slice.Service::name).containsExactly("db", "migrate", "web");
    }

    @Test
    void defaultsFollow0Core() {
        Slice slice = SliceFile.parse("""
                services:
                  - name: plain
                    command: [/bin/true]
                  - name: setup
                    command: [/bin/true]
                    oneshot: true
                  - name: flaky
                    command: [/bin/true]
                    max_restarts: 2
                  - name: forever
                    command: [/bin/true]
                    restart: always
                """);
        assertThat(slice.service("plain").ready()).isEqualTo(new Slice.Readiness.Delay(Duration.ofSeconds(2)));
        assertThat(slice.service("plain").readyTimeout()).isEmpty();
        assertThat(slice.service("setup").ready()).isEqualTo(Slice.Readiness.EXITED);
        assertThat(slice.service("flaky").restart()).isEqualTo(RestartPolicy.Mode.ON_FAILURE);
        assertThat(slice.service("flaky").maxRestarts()).isEqualTo(2);
        assertThat(slice.service("forever").maxRestarts()).isEqualTo(Command.MAX_RESTARTS);
    }

    @Test
    void relativeDirsAreTakenFromTheFilesDirectory(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("slice.yaml");
        java.nio.file.Files.writeString(file, "services:\n  - name: a\n    command: [/bin/true]\n    dir: work\n");
        assertThat(SliceFile.read(file).service("a").dir()).contains(dir.resolve("work"));
        assertThatThrownBy(() -> SliceFile.read(dir.resolve("missing.yaml")))
                .hasMessageContaining("missing.yaml: cannot read the slice file");
    }

    @Test
    void durations() {
        assertThat(SliceFile.duration("d", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(SliceFile.duration("d", "2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(SliceFile.duration("d", "1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(SliceFile.duration("d", "24h")).isEqualTo(Duration.ofHours(24));
        for (String bad : List.of("2", "1.5s", "s", "2 s", "2sec", "")) {
            assertThatThrownBy(() -> SliceFile.duration("ready.delay", bad)).as(bad)
                    .hasMessageStartingWith("ready.delay: expected a duration such as 500ms");
        }
    }

    @Test
    void startOrderBreaksTiesByTheOrderGiven() {
        Slice slice = new Slice(
                Slice.Service.of("web", List.of("/bin/true")).withAfter("api", "cache"),
                Slice.Service.of("api", List.of("/bin/true")).withAfter("db"),
                Slice.Service.of("cache", List.of("/bin/true")),
                Slice.Service.of("db", List.of("/bin/true")));
        assertThat(slice.startOrder()).extracting(Slice.Service::name).containsExactly("cache", "db", "api", "web");
        assertThatThrownBy(() -> slice.service("nope")).hasMessageContaining("no service named \"nope\"");
        assertThat(slice.service("web").dir()).isEqualTo(Optional.empty());
    }
}
