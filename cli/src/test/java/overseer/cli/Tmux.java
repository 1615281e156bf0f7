package overseer.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real terminal for tests: a tmux server of the test's own (its own socket, `tmux -L`), one pane running
 * an interactive bash with the given environment. {@link #close()} kills the server, and with it every
 * process of the pane's session that is still there.
 */
final class Tmux implements AutoCloseable {
    private final String socket = "overseer-test-" + UUID.randomUUID();
    private static final String SESSION = "t";

    private Tmux() {
    }

    /** Skips the test where tmux is not installed (CI installs it: .ci/run). */
    static Tmux start(Map<String, String> env) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/tmux")),
                "needs tmux (Debian's package) to drive a real terminal");
        Tmux t = new Tmux();
        List<String> cmd = new ArrayList<>(List.of("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "40", "env"));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(List.of("PS1=$ ", "/bin/bash", "--norc", "--noprofile", "-i"));
        t.run(cmd.toArray(String[]::new));
        return t;
    }

    /** Types {@code text} and presses Enter. */
    void line(String text) throws IOException, InterruptedException {
        run("send-keys", "-t", SESSION, "-l", text);
        run("send-keys", "-t", SESSION, "Enter");
    }

    /** Presses keys by tmux's names: "C-c", "C-z". */
    void keys(String... keys) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("send-keys", "-t", SESSION));
        cmd.addAll(List.of(keys));
        run(cmd.toArray(String[]::new));
    }

    /** What the pane shows now. */
    String screen() throws IOException, InterruptedException {
        return run("capture-pane", "-p", "-J", "-t", SESSION);
    }

    /** The pane's terminal, e.g. /dev/pts/7. */
    String tty() throws IOException, InterruptedException {
        return run("display-message", "-p", "-t", SESSION, "#{pane_tty}").strip();
    }

    /** Kills the pane: its terminal hangs up, as when a window is closed. */
    void killPane() throws IOException, InterruptedException {
        run("kill-pane", "-t", SESSION);
    }

    private String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/tmux", "-L", socket));
        cmd.addAll(List.of(args));
        java.lang.Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("tmux " + String.join(" ", args) + ": no answer");
        }
        if (p.exitValue() != 0 && !args[0].equals("kill-server")) {
            throw new IllegalStateException("tmux " + String.join(" ", args) + ": " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            run("kill-server");
        } finally {
            // A server that ended with its last pane may leave its socket behind.
            Path dir = Path.of(System.getenv().getOrDefault("TMUX_TMPDIR", "/tmp"),
                    "tmux-" + new com.sun.security.auth.module.UnixSystem().getUid());
            Files.deleteIfExists(dir.resolve(socket));
        }
    }
}
