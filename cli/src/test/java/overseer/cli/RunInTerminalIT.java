package overseer.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * `overseer run` in a real terminal (tmux), through bin/overseer as a user starts it: the command gets the
 * terminal (its process group is the foreground one), so it reads what is typed and Ctrl-C reaches it at
 * once; Ctrl-Z stops the job and fg resumes it; closing the terminal leaves nothing behind.
 */
class RunInTerminalIT {
    static final Path OVERSEER = Path.of("..", "bin", "overseer").toAbsolutePath().normalize();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** In every command line a test starts, to find what it left (and kill it) whatever happened. */
    private final String marker = "overseer-test-" + UUID.randomUUID();
    private Tmux tmux;

    @BeforeEach
    void setUp() throws Exception {
        tmux = Tmux.start(Map.of("OVERSEER_CLASSPATH", System.getProperty("java.class.path")));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            tmux.close();
        } finally {
            ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                    .forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** `overseer run -- CMD...` typed into the pane; the command's $0 (for sh -c) or last word carries the marker. */
    private void run(String command) throws Exception {
        tmux.line(OVERSEER + " run -- " + command + "; echo \"rc=$?\"");
    }

    private List<ProcessHandle> marked() {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker)).toList();
    }

    @Test
    void catReadsWhatIsTypedAndCtrlCEndsItAtOnce() throws Exception {
        run("/bin/sh -c 'exec cat' " + marker);
        // Before the fix cat stopped at once (SIGTTIN): its group was not the terminal's foreground group.
        await().atMost(PATIENCE).until(() -> foregroundCommand().equals("cat"));
        tmux.line("hello from the keyboard");
        await().atMost(PATIENCE).until(() -> tmux.screen().lines()
                .filter(l -> l.equals("hello from the keyboard")).count() == 2); // the echo, then cat's copy
        long typed = System.nanoTime();
        tmux.keys("C-c");
        await().atMost(PATIENCE).until(() -> tmux.screen().contains("rc=130"));
        // SIGINT from the terminal went to cat itself, not through a stop sequence with a 10 s grace.
        assertThat(Duration.ofNanos(System.nanoTime() - typed)).isLessThan(Duration.ofSeconds(8));
        assertThat(marked()).isEmpty();
    }

    @Test
    void anInteractiveShellRunsACommandAndExits() throws Exception {
        run("/bin/sh -i -s " + marker);
        await().atMost(PATIENCE).until(() -> foregroundCommand().equals("sh"));
        tmux.line("echo inner-$((6*7))");
        await().atMost(PATIENCE).until(() -> tmux.screen().lines().anyMatch(l -> l.equals("inner-42")));
        tmux.line("exit 4");
        await().atMost(PATIENCE).until(() -> tmux.screen().contains("rc=4"));
        assertThat(foregroundCommand()).isEqualTo("bash"); // the terminal came back to the shell
    }

    @Test
    void ctrlZStopsTheJobAndFgResumesIt() throws Exception {
        run("/bin/sh -c 'exec cat' " + marker);
        await().atMost(PATIENCE).until(() -> foregroundCommand().equals("cat"));
        tmux.keys("C-z");
        // The shell sees its job stopped (Overseer stopped too, the terminal given back) and prompts again.
        await().atMost(PATIENCE).until(() -> tmux.screen().contains("Stopped"));
        await().atMost(PATIENCE).until(() -> foregroundCommand().equals("bash"));
        tmux.line("fg");
        await().atMost(PATIENCE).until(() -> foregroundCommand().equals("cat"));
        tmux.line("after fg");
        await().atMost(PATIENCE).until(() -> tmux.screen().lines().filter(l -> l.equals("after fg")).count() == 2);
        tmux.keys("C-d"); // cat's end of input: the job ends, the terminal is the shell's again
        await().atMost(PATIENCE).until(() -> marked().isEmpty() && foregroundCommand().equals("bash"));
    }

    @Test
    void dashItRunsTheCommandOnATerminalOfItsOwn(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        tmux.line("stty -g > " + dir.resolve("before"));
        tmux.line(OVERSEER + " run -it -- /bin/sh -s " + marker + "; echo \"rc=$?\"");
        // Typed ahead of the start: kept for the command's terminal, not lost.
        tmux.line("tty; echo in-$((3*3)); stty size");
        await().atMost(PATIENCE).until(() -> tmux.screen().lines().anyMatch(l -> l.equals("in-9")));
        String screen = tmux.screen();
        assertThat(screen).contains("/dev/pts/").doesNotContain("not a tty").contains("40 160"); // this pane's size
        tmux.line("exit 5");
        await().atMost(PATIENCE).until(() -> tmux.screen().contains("rc=5"));
        tmux.line("stty -g > " + dir.resolve("after") + "; echo saved");
        await().atMost(PATIENCE).until(() -> tmux.screen().lines().anyMatch(l -> l.equals("saved")));
        assertThat(Files.readString(dir.resolve("after"))).isEqualTo(Files.readString(dir.resolve("before")));
    }

    @Test
    void closingTheTerminalEndsTheCommandAndOverseer() throws Exception {
        // A command that ignores SIGHUP itself: Overseer's stop sequence must still end it.
        run("/bin/sh -c 'trap \"\" HUP; cat; :' " + marker);
        await().atMost(PATIENCE).until(() -> foregroundCommand().equals("sh"));
        assertThat(marked()).isNotEmpty();
        tmux.killPane();
        // Before: overseer run and its stopped child stayed, under ppid 1.
        await().atMost(PATIENCE).until(() -> marked().isEmpty());
    }

    /** The command name of the terminal's foreground process group leader. */
    private String foregroundCommand() throws Exception {
        String tty = tmux.tty().replace("/dev/", "");
        java.lang.Process ps = new ProcessBuilder("ps", "-o", "pid=,tpgid=,comm=", "-t", tty).start();
        String out = new String(ps.getInputStream().readAllBytes());
        ps.waitFor();
        for (String line : out.strip().split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 3 && f[0].equals(f[1])) {
                return f[2];
            }
        }
        return "";
    }

    static boolean launcherExists() {
        return Files.isExecutable(OVERSEER);
    }
}
