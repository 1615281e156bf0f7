package overseer.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * `overseer ui`: the daemon's status page on a loopback port of this machine, for a browser that cannot reach
 * the daemon's socket. Prints a URL with a one-time token and forwards until Ctrl-C (docs/cli.md).
 */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = "Serve the daemon's status page on 127.0.0.1 and print its one-time URL; runs until Ctrl-C.")
final class UiCommand implements Runnable {
    /** Kept: a logger only referenced weakly would lose its level, and Helidon's start-up lines would be printed. */
    private static final Logger HELIDON = Logger.getLogger("io.helidon");

    @Spec
    CommandSpec verb;

    @Option(names = {"-H", "--socket"}, paramLabel = "PATH", description = "The daemon's socket (default: $OVERSEER_SOCKET or the daemon's default).")
    Path socket;

    @Option(names = "--tcp", paramLabel = "HOST:PORT", description = "A daemon's TCP listener instead of its socket (needs --token-file).")
    String tcp;

    @Option(names = "--token-file", paramLabel = "FILE", description = "The bearer token of the daemon's TCP listener (with --tcp).")
    Path tokenFile;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "The loopback port to listen on (default: any free one).")
    int port;

    @Override
    public void run() {
        if (port < 0 || port > 65535) {
            throw overseer.core.OverseerException.invalidArgument("--port: %d is out of range 0..65535", port);
        }
        if (tcp == null && tokenFile != null) {
            throw overseer.core.OverseerException.invalidArgument("--token-file: only with --tcp");
        }
        UiUpstream upstream = tcp != null ? UiUpstream.Tcp.parse(tcp, tokenFile) : new UiUpstream.Socket(Globals.socket(verb, socket));
        UiProxy.check(upstream);
        HELIDON.setLevel(Level.WARNING);
        UiProxy proxy = new UiProxy(upstream, port);
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "ui-stop"));
        System.out.println(proxy.url());
        System.out.flush();
        System.err.println("Open the URL above once (its token works one time); Ctrl-C to stop.");
        try {
            new CountDownLatch(1).await(); // until Ctrl-C: the JVM exits with 130 and the hook closes the port
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
