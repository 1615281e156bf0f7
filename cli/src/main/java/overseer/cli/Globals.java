package overseer.cli;

import overseer.server.Daemon;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;

/**
 * The options given before the verb, as `docker -H` and `ctr --address` take them: `overseer -H S -n NS ps`.
 * A verb's own flag wins over them; then $OVERSEER_SOCKET; then the daemon's default.
 */
final class Globals {
    static final String DEFAULT_NAMESPACE = "default";

    private Globals() {
    }

    /** The socket a verb talks to (or, for {@code daemon}, listens on). */
    static Path socket(CommandSpec verb, Path own) {
        if (own != null) {
            return own;
        }
        if (main(verb).socket != null) {
            return main(verb).socket;
        }
        String env = System.getenv("OVERSEER_SOCKET");
        return env != null && !env.isEmpty() ? Path.of(env) : Daemon.defaultSocket();
    }

    /** The verb's own socket flag, else the one before the verb; empty when neither was given. */
    static java.util.Optional<Path> socketFlag(CommandSpec verb, Path own) {
        return java.util.Optional.ofNullable(own != null ? own : main(verb).socket);
    }

    static String namespace(CommandSpec verb, String own) {
        return own != null ? own : main(verb).namespace != null ? main(verb).namespace : DEFAULT_NAMESPACE;
    }

    private static Main main(CommandSpec verb) {
        return verb.root().userObject() instanceof Main m ? m : new Main();
    }
}
