package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code overseer slice} in-process (Main does not register it yet): the command runs on a thread of the
 * test, its output captured; every test ends with the command returned, so its supervisor has stopped
 * every service.
 */
class SliceCommandTest {
    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private SliceCommand command;
    private CompletableFuture<Integer> exit;

    @AfterEach
    void tearDown() {
        if (command != null) {
            command.stop(); // whatever happened, the slice is stopped and waited for
            exit.join();
        }
    }

    private void slice(String yaml, String... options) throws IOException {
        Path file = dir.resolve("slice.yaml");
        Files.writeString(file, yaml.replace("$LOG", dir.resolve("log").toString()));
        command = new SliceCommand();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler(new Errors()); // as Main sets it
        String[] args = concat(options, file.toString());
        exit = CompletableFuture.supplyAsync(() -> cl.execute(args), r -> Thread.ofVirtual().start(r));
    }

    private static String[] concat(String[] a, String b) {
        String[] all = Arrays.copyOf(a, a.length + 1);
        all[a.length] = b;
        return all;
    }

    private List<String> lines() {
        synchronized (out.getBuffer()) {
            return out.toString().lines().toList();
        }
    }

    private List<String> log() throws IOException {
        Path log = dir.resolve("log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private static final String SLICE = """
            services:
              - name: db
                command: [/bin/sh, -c, "trap 'echo db-stopped >> $LOG; exit 0' TERM; echo 'db: Ready'; while :; do sleep 0.05; done"]
                ready: {match: Ready}
              - name: migrate
                command: [/bin/sh, -c, "echo migrated >> $LOG"]
                after: [db]
                ready: exited
              - name: web
                command: [/bin/sh, -c, "trap 'echo web-stopped >> $LOG; exit 0' TERM; while :; do sleep 0.05; done"]
                after: [migrate]
                ready: {delay: 100ms}
            """;

    @Test
    void printsEachChangeAndStopsInReverseOrderOnSigint() throws Exception {
        slice(SLICE);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines().stream().anyMatch(l -> l.matches(".*web +READY +running for 100ms")));
        assertThat(lines()).first().asString().matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  db +STARTING +started");
        assertThat(lines()).anyMatch(l -> l.matches(".*db +READY +matched \"Ready\""))
                .anyMatch(l -> l.matches(".*migrate +STARTING +started after db"))
                .anyMatch(l -> l.matches(".*migrate +EXITED +exited successfully"));

        sun.misc.Signal.raise(new sun.misc.Signal("INT")); // Ctrl-C; handled by the command, which is waiting for it
        assertThat(exit.get()).isZero();
        assertThat(log()).containsExactly("migrated", "web-stopped", "db-stopped");
        List<String> tail = lines().subList(lines().size() - 4, lines().size());
        assertThat(tail).extracting(l -> l.substring(14).replaceAll(" +", " "))
                .containsExactly("web STOPPING stopping", "web STOPPED stopped", "db STOPPING stopping", "db STOPPED stopped");
        assertThat(err.toString()).isEmpty();
        command = null;
    }

    @Test
    void aFailedServiceExits1SayingWhy() throws Exception {
        slice("""
                services:
                  - name: db
                    command: [/bin/sh, -c, "echo 'no space left' >&2; exit 4"]
                    ready: {match: Ready}
                  - name: web
                    command: [/bin/sh, -c, "exec sleep 1000"]
                    after: [db]
                  - name: cache
                    command: [/bin/sh, -c, "echo 'cache up'; exec sleep 1000"]
                    ready: {match: cache up}
                """, "--stop-grace", "2s");
        assertThat(exit.get()).isEqualTo(1);
        assertThat(err.toString().lines().toList()).containsExactly(
                "overseer: db failed: exit status 4",
                "overseer: web failed: dependency db failed: exit status 4");
        assertThat(lines()).anyMatch(l -> l.matches(".*web +FAILED +dependency db failed: exit status 4"));
        command = null;
    }

    @Test
    void aSliceOfOneShotsEndsWhenTheyHaveAllExited() throws Exception {
        slice("""
                services:
                  - name: one
                    command: [/bin/sh, -c, "echo one >> $LOG"]
                    oneshot: true
                  - name: two
                    command: [/bin/sh, -c, "echo two >> $LOG"]
                    oneshot: true
                    after: [one]
                """);
        assertThat(exit.get()).isZero();
        assertThat(log()).containsExactly("one", "two");
        assertThat(lines()).hasSize(4);
        command = null;
    }

    @Test
    void anInvalidFileIsAUsageErrorNamingTheField() throws Exception {
        slice("""
                services:
                  - name: a
                    command: [/bin/true]
                    after: [b]
                  - name: b
                    command: [/bin/true]
                    after: [a]
                """);
        assertThat(exit.get()).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("overseer: services[0].after: cycle a -> b -> a");
        assertThat(out.toString()).isEmpty();
        command = null;
    }
}
