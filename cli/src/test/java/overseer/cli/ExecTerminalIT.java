package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.core.LogStream;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * `overseer exec` through bin/overseer against a real daemon: -it in a real terminal (tmux) gives a shell
 * that runs a command and exits, the local terminal restored and no `created` exec left behind (before, the
 * stty child was stopped by SIGTTOU and the exec never started); -i without -t streams stdin through a pipe
 * (before, it was refused), so `overseer exec -i db psql < dump.sql` works.
 */
class ExecTerminalIT {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    private RealDaemon daemon;
    private OverseerClient client;
    private final Tasks tasks = new Tasks(new NativeRuntime());

    @BeforeEach
    void setUp() {
        daemon = new RealDaemon(dir);
        client = daemon.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            tasks.close();
        } finally {
            daemon.close();
        }
    }

    private Task overseer(Redirect stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(RunInTerminalIT.OVERSEER.toString()));
        cmd.addAll(List.of(args));
        return tasks.run(TaskSpec.of("exec-" + IDS.incrementAndGet(), ProcessSpec.builder(cmd).stdin(stdin).captureOutput()
                .env(Map.of("OVERSEER_CLASSPATH", System.getProperty("java.class.path"), "PATH", "/usr/bin:/bin",
                        "OVERSEER_SOCKET", daemon.socket().toString()))
                .build()));
    }

    private void background(String id) throws Exception {
        Task t = overseer(Redirect.NULL, "run", "-d", "--id", id, "--", "/bin/sleep", "1000");
        assertThat(t.await().exitCode()).isZero();
    }

    @Test
    void execWithInputButNoTerminalStreamsStdin() throws Exception {
        background("db");
        Task t = overseer(Redirect.PIPE, "exec", "-i", "db", "--", "/bin/sh", "-c", "while read l; do echo \"got $l\"; done; echo end");
        t.stdin().write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
        t.closeStdin();
        assertThat(t.await().exitCode()).isZero();
        t.output().drained().join();
        assertThat(t.output().tail(LogStream.STDOUT).lines()).containsExactly("got one", "got two", "end");
    }

    @Test
    void execItInARealTerminal() throws Exception {
        background("shell");
        try (Tmux tmux = Tmux.start(Map.of("OVERSEER_CLASSPATH", System.getProperty("java.class.path"),
                "OVERSEER_SOCKET", daemon.socket().toString()))) {
            tmux.line("stty -g > " + dir.resolve("before"));
            tmux.line(RunInTerminalIT.OVERSEER + " exec -it --exec-id sh1 shell -- /bin/sh; echo \"rc=$?\"");
            await().atMost(PATIENCE).until(() -> execStatus("shell", "sh1").equals("running"));
            tmux.line("echo in-$((2*3))");
            await().atMost(PATIENCE).until(() -> tmux.screen().lines().anyMatch(l -> l.strip().equals("in-6")));
            tmux.line("exit 3");
            await().atMost(PATIENCE).until(() -> tmux.screen().contains("rc=3"));
            tmux.line("stty -g > " + dir.resolve("after") + "; echo saved");
            await().atMost(PATIENCE).until(() -> tmux.screen().lines().anyMatch(l -> l.equals("saved")));
        }
        assertThat(java.nio.file.Files.readString(dir.resolve("after"))).isEqualTo(java.nio.file.Files.readString(dir.resolve("before")));
        assertThat(execStatus("shell", "sh1")).isEqualTo("stopped");
    }

    private String execStatus(String id, String exec) {
        JsonNode task = client.task("default", id);
        for (JsonNode e : task.get("execs")) {
            if (e.get("id").asString().equals(exec)) {
                return e.get("status").asString();
            }
        }
        return "";
    }
}
