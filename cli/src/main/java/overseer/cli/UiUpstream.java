package overseer.cli;

import overseer.core.OverseerException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;

/** The daemon `overseer ui` forwards to: its Unix socket, or its TCP listener with the bearer token. */
sealed interface UiUpstream {
    /** A new connection to the daemon (one per forwarded request). */
    SocketChannel connect() throws IOException;

    /** The Host the daemon is sent (its Unix listener refuses foreign DNS names: see RebindingGuard). */
    String host();

    /** The Authorization header the daemon needs, if any; the browser never sees it. */
    Optional<String> authorization();

    /** What an error message calls the daemon. */
    String describe();

    /** How a new channel is connected. */
    @FunctionalInterface
    interface Connect {
        void to(SocketChannel c) throws IOException;
    }

    /** {@code c} once {@code connect} connected it; closed if it could not. */
    private static SocketChannel connected(SocketChannel c, Connect connect) throws IOException {
        try {
            connect.to(c);
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    record Socket(Path path) implements UiUpstream {
        @Override
        public SocketChannel connect() throws IOException {
            return connected(SocketChannel.open(StandardProtocolFamily.UNIX), c -> c.connect(UnixDomainSocketAddress.of(path)));
        }

        @Override
        public String host() {
            return "overseer";
        }

        @Override
        public Optional<String> authorization() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "the daemon's socket " + path;
        }
    }

    record Tcp(String address, int port, String token) implements UiUpstream {
        @Override
        public SocketChannel connect() throws IOException {
            return connected(SocketChannel.open(), c -> c.socket().connect(new InetSocketAddress(address, port), 5000));
        }

        @Override
        public String host() {
            return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
        }

        @Override
        public Optional<String> authorization() {
            return Optional.of("Bearer " + token);
        }

        @Override
        public String describe() {
            return "the daemon at " + host();
        }

        /** --tcp HOST:PORT with the token read from --token-file. */
        static Tcp parse(String hostPort, Path tokenFile) {
            if (tokenFile == null) {
                throw OverseerException.invalidArgument("--tcp: needs --token-file, the daemon's TCP listener wants its token");
            }
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0 || colon == hostPort.length() - 1) {
                throw OverseerException.invalidArgument("--tcp: expected HOST:PORT, got \"%s\"", hostPort);
            }
            String host = hostPort.substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw OverseerException.invalidArgument("--tcp: \"%s\" is not a port", hostPort.substring(colon + 1));
            }
            if (port < 1 || port > 65535) {
                throw OverseerException.invalidArgument("--tcp: port %d is out of range 1..65535", port);
            }
            String token;
            try {
                token = java.nio.file.Files.readString(tokenFile).strip();
            } catch (IOException e) {
                throw OverseerException.invalidArgument("--token-file: cannot read %s: %s", tokenFile, e.getMessage());
            }
            if (token.isEmpty()) {
                throw OverseerException.invalidArgument("--token-file: %s is empty", tokenFile);
            }
            return new Tcp(host, port, token);
        }
    }
}
