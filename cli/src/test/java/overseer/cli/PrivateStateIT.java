package overseer.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.client.OverseerClient;
import overseer.wire.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A daemon started under umask 000 by a careless shell keeps its socket, its store (tasks' environments) and
 * its tasks' output to its owner: another local user is refused every one of them, and the socket is never,
 * not even for a moment after bind(2), open to anyone else.
 */
class PrivateStateIT {
    private static final Set<PosixFilePermission> OTHERS = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path dir;

    @Test
    void anotherLocalUserReadsNothingOfADaemonStartedUnderUmask000() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "adding a user needs root");
        // The test's own directory must not be the barrier: only the daemon's modes are.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String user = "overseer-test-" + ProcessHandle.current().pid();
        run(0, "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user);
        List<String> seenOpen = new CopyOnWriteArrayList<>();
        try (RealDaemon daemon = new RealDaemon(dir, "--runtime", "native").umask("000")) {
            Thread watcher = Thread.ofPlatform().daemon().start(() -> watchSocket(daemon.socket(), seenOpen));
            OverseerClient client;
            try {
                client = daemon.start();
            } finally {
                watcher.interrupt();
                watcher.join();
            }
            assertThat(seenOpen).as("the socket's modes while the daemon started").isEmpty();

            client.createTask("default", Json.MAPPER.readTree("""
                    {"id": "secret", "process": {"args": ["/bin/sh", "-c", "echo output-$TOKEN; exec sleep 60"],
                     "env": {"TOKEN": "hunter2"}}}"""));
            client.start("default", "secret");
            await().atMost(RealDaemon.WAIT).until(() -> filesUnder(daemon.state()).stream().anyMatch(f -> contains(f, "output-hunter2")));

            List<Path> files = filesUnder(daemon.state());
            assertThat(files).anyMatch(f -> f.getFileName().toString().equals("state.db"));
            for (Path f : files) {
                assertThat(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)).as(f.toString())
                        .doesNotContainAnyElementsOf(OTHERS);
                assertThat(asUser(user, "/bin/cat", f.toString())).as("%s read by %s", f, user).isNotZero();
            }
            assertThat(Files.getPosixFilePermissions(daemon.socket())).doesNotContainAnyElementsOf(OTHERS);
            assertThat(asUser(user, "/usr/bin/perl", "-MIO::Socket::UNIX", "-e",
                    "IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1", daemon.socket().toString()))
                    .as("%s connecting to the socket", user).isNotZero();
            // The same probe as root connects: the refusal above is the socket's mode, not a broken probe.
            assertThat(exit("/usr/bin/perl", "-MIO::Socket::UNIX", "-e",
                    "IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1", daemon.socket().toString())).isZero();
        } finally {
            run(-1, "userdel", user);
        }
    }

    /** Records every mode with a bit for group or others that the socket shows, until interrupted. */
    private static void watchSocket(Path socket, List<String> seenOpen) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS);
                if (mode.stream().anyMatch(OTHERS::contains)) {
                    seenOpen.add(PosixFilePermissions.toString(mode));
                }
            } catch (IOException notThereYet) {
                Thread.onSpinWait();
            }
        }
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(out::add);
        }
        return out;
    }

    private static boolean contains(Path f, String text) {
        try {
            return new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException gone) {
            return false;
        }
    }

    private static int asUser(String user, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/sbin/runuser", "-u", user, "--"));
        cmd.addAll(List.of(command));
        return exit(cmd.toArray(String[]::new));
    }

    private static int exit(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return p.exitValue();
    }

    /** Runs a set-up command; {@code expected} -1 takes any exit. */
    private static void run(int expected, String... command) throws Exception {
        int rc = exit(command);
        if (expected >= 0) {
            assertThat(rc).as(String.join(" ", command)).isEqualTo(expected);
        }
    }
}
