package overseer.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The training run of the launcher's AOT cache (JEP 483/514/515; bin/overseer and the image's launcher run it
 * once per build with {@code -XX:AOTCacheOutput}): the client verbs as a user runs them, in one JVM, so that the
 * classes they load (picocli's model, Jackson, the Unix-socket client) are stored loaded and linked.
 *
 * <p>The verbs talk to a socket this class answers with an empty task list: a real daemon would put Helidon,
 * SQLite and the server into the cache, and every verb would then map classes it never uses. Nothing here
 * changes what a command does; a command whose classes are not in the cache loads them from the jars.
 */
final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("overseer-aot-training");
        Path sock = dir.resolve("t.sock");
        PrintStream out = System.out;
        PrintStream err = System.err;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread.ofVirtual().start(() -> answer(server));
            PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            System.setOut(nowhere);
            System.setErr(nowhere);
            String s = sock.toString();
            for (List<String> verb : List.of(
                    List.of("--version"), List.of("--help"), List.of("ps", "--help"),
                    List.of("ps", "--socket", s), List.of("ps", "--json", "--socket", s),
                    List.of("inspect", "--socket", s, "web"), List.of("ps", "--socket", dir.resolve("none").toString()))) {
                Main.commandLine().execute(verb.toArray(String[]::new));
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    /** Every request: 200 with an empty JSON list, read by Content-Length as the daemon's answers are. */
    private static void answer(ServerSocketChannel server) {
        byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                InputStream in = Channels.newInputStream(ch);
                int state = 0; // the end of the request head: \r\n\r\n (the verbs trained on send no body)
                for (int c; state < 4 && (c = in.read()) != -1; ) {
                    state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
                }
                OutputStream o = Channels.newOutputStream(ch);
                o.write(head);
                o.write(body);
                o.flush();
            } catch (IOException closed) {
                return;
            }
        }
    }
}
