package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.OverseerException;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;
import overseer.core.Task;
import overseer.core.TaskSpec;
import overseer.core.Tasks;
import overseer.linux.NativeRuntime;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * `overseer exec -it`: a process with a terminal in a running task, this terminal attached to it. The local
 * terminal goes to raw mode (stty) while attached, so keys such as Ctrl-C reach the remote terminal.
 */
final class Terminal {
    private static final byte EOT = 4; // ^D: end of input, on a terminal

    private Terminal() {
    }

    static int exec(OverseerClient c, String ns, String id, String name, JsonNode process, boolean interactive)
            throws Exception {
        c.createExec(ns, id, name, process);
        Optional<String> saved = System.console() != null ? stty("-g") : Optional.empty();
        try {
            saved.ifPresent(s -> stty("raw", "-echo"));
            // The daemon starts the process once this client is attached; its output begins with the start.
            boolean console = saved.isPresent();
            Thread output = Thread.ofVirtual().start(() -> c.attach(ns, id, name, true, () -> {
                if (console) {
                    stty("size").map(s -> s.strip().split(" ")).filter(f -> f.length == 2)
                            .ifPresent(f -> c.resize(ns, id, name, Integer.parseInt(f[1]), Integer.parseInt(f[0])));
                }
            }, System.out));
            if (interactive) {
                Thread.ofVirtual().start(() -> forwardInput(c, ns, id, name));
            }
            JsonNode exit = c.awaitExec(ns, id, name, Duration.ofDays(365));
            output.join(Duration.ofSeconds(5));
            return exit.get("exitCode").asInt();
        } finally {
            saved.ifPresent(s -> stty(s.strip()));
        }
    }

    /** This process's stdin, chunk by chunk, to the remote terminal; its end becomes ^D there. */
    private static void forwardInput(OverseerClient c, String ns, String id, String name) {
        InputStream in = System.in;
        byte[] buf = new byte[4096];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                send(c, ns, id, name, Arrays.copyOf(buf, n));
            }
            send(c, ns, id, name, new byte[]{EOT});
        } catch (IOException | OverseerException | InterruptedException ended) {
            // the process ended, or this input did
        }
    }

    /** Sends input, waiting (up to 30 s) for the daemon to have started the process. */
    private static void send(OverseerClient c, String ns, String id, String name, byte[] bytes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                c.stdin(ns, id, name, bytes, false);
                return;
            } catch (OverseerException notStartedYet) {
                if (notStartedYet.kind() != overseer.core.ErrorKind.FAILED_PRECONDITION || System.nanoTime() > deadline) {
                    throw notStartedYet;
                }
                Thread.sleep(20);
            }
        }
    }

    /** Runs stty on this terminal (its stdin), through Overseer itself; the output when it succeeds. */
    private static Optional<String> stty(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("/bin/stty"));
        cmd.addAll(List.of(args));
        try (Tasks tasks = new Tasks(new NativeRuntime())) {
            Task t = tasks.run(TaskSpec.of("stty", ProcessSpec.builder(cmd).stdin(Redirect.INHERIT)
                    .stdout(Redirect.PIPE).build()));
            if (t.await().exitCode() != 0) {
                return Optional.empty();
            }
            t.output().drained().join();
            return Optional.of(String.join("\n", t.output().tail(overseer.core.LogStream.STDOUT).lines()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
