package overseer.cli;

import overseer.client.OverseerClient;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;
import overseer.linux.ControllingTerminal;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * `overseer exec -it`: a process with a terminal in a running task, this terminal attached to it; and
 * `exec -i` without a terminal, this process's stdin streamed to the process's. With -i on a terminal, the
 * local terminal is in raw mode while attached (termios, in this process: no stty child, which as a background
 * group would be stopped by SIGTTOU), so keys such as Ctrl-C reach the remote terminal; SIGWINCH resizes it.
 */
final class Terminal {
    private static final byte EOT = 4; // ^D: end of input, on a terminal

    private Terminal() {
    }

    static int exec(OverseerClient c, String ns, String id, String name, JsonNode process, boolean interactive)
            throws Exception {
        Optional<ControllingTerminal> tty = ControllingTerminal.isTerminal(0) ? ControllingTerminal.open() : Optional.empty();
        // Raw mode before the exec is created: nothing that can fail comes between its creation and its start.
        AutoCloseable raw = interactive && tty.isPresent() ? tty.get().raw() : () -> { };
        Thread restore = new Thread(() -> closeQuietly(raw)); // also when a signal ends this process
        Runtime.getRuntime().addShutdownHook(restore);
        Signals.handle(r -> {
            if (r.signal().name().equals("SIGWINCH")) {
                resize(c, ns, id, name, tty);
            } else {
                Signals.asTheJvmWould(r);
            }
        });
        try {
            c.createExec(ns, id, name, process);
            // The daemon starts the process once this client is attached; its output begins with the start.
            Thread output = Thread.ofVirtual().start(() -> c.attach(ns, id, name, true,
                    () -> resize(c, ns, id, name, tty), System.out));
            if (interactive) {
                Thread.ofVirtual().start(() -> forwardInput(c, ns, id, name, new byte[]{EOT}));
            }
            JsonNode exit = awaitExit(c, ns, id, name);
            output.join(Duration.ofSeconds(5));
            return exit.get("exitCode").asInt();
        } finally {
            closeQuietly(raw);
            try {
                Runtime.getRuntime().removeShutdownHook(restore);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /**
     * `exec -i` without -t: the process reads this process's stdin through a pipe, to its end (then its stdin
     * is closed, as a pipe's end); its output, as for exec without -i, once it exited.
     */
    static JsonNode execWithInput(OverseerClient c, String ns, String id, String name, JsonNode process)
            throws InterruptedException {
        c.exec(ns, id, name, process);
        Thread input = Thread.ofVirtual().start(() -> forwardInput(c, ns, id, name, null));
        JsonNode exit = awaitExit(c, ns, id, name);
        input.interrupt();
        return exit;
    }

    /** The exit, however long it takes (the daemon answers each wait within ten minutes). */
    private static JsonNode awaitExit(OverseerClient c, String ns, String id, String name) {
        while (true) {
            try {
                return c.awaitExec(ns, id, name, Duration.ofMinutes(10));
            } catch (OverseerException e) {
                if (e.reason() != OverseerException.Reason.TIMED_OUT) {
                    throw e;
                }
            }
        }
    }

    private static void resize(OverseerClient c, String ns, String id, String name, Optional<ControllingTerminal> tty) {
        tty.flatMap(ControllingTerminal::size).filter(s -> s[0] > 0 && s[1] > 0).ifPresent(s -> {
            try {
                c.resize(ns, id, name, s[0], s[1]);
            } catch (OverseerException ended) {
                // the process ended meanwhile
            }
        });
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // the terminal went away: nothing left to restore
        }
    }

    /**
     * This process's stdin, chunk by chunk, to the remote process; at its end {@code last} (a terminal's ^D),
     * or, for a pipe, the close of the remote stdin.
     */
    private static void forwardInput(OverseerClient c, String ns, String id, String name, byte[] last) {
        InputStream in = System.in;
        byte[] buf = new byte[4096];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                send(c, ns, id, name, Arrays.copyOf(buf, n), false);
            }
            send(c, ns, id, name, last == null ? new byte[0] : last, last == null);
        } catch (IOException | OverseerException | InterruptedException ended) {
            // the process ended, or this input did
        }
    }

    /** Sends input, waiting (up to 30 s) for the daemon to have started the process. */
    private static void send(OverseerClient c, String ns, String id, String name, byte[] bytes, boolean close)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                c.stdin(ns, id, name, bytes, close);
                return;
            } catch (OverseerException notStartedYet) {
                if (notStartedYet.kind() != ErrorKind.FAILED_PRECONDITION || System.nanoTime() > deadline) {
                    throw notStartedYet;
                }
                Thread.sleep(20);
            }
        }
    }
}
