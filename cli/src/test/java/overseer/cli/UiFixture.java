package overseer.cli;

import overseer.core.LogStream;
import overseer.core.Task;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import static org.awaitility.Awaitility.await;

/** Starts `overseer ui` as a JVM of the test's and returns the one-time URL it prints. */
final class UiFixture {
    private UiFixture() {
    }

    static URI start(Function<String[], Task> jvm, Path socket) {
        return start(jvm, "--socket", socket.toString());
    }

    /** `overseer ui` with {@code flags} (--tcp HOST:PORT --token-file FILE). */
    static URI start(Function<String[], Task> jvm, String... flags) {
        String[] args = new String[flags.length + 1];
        args[0] = "ui";
        System.arraycopy(flags, 0, args, 1, flags.length);
        Task ui = jvm.apply(args);
        String[] printed = new String[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (ui.exit().isPresent()) {
                throw new AssertionError("overseer ui ended: " + ui.exit().get() + " "
                        + ui.output().tail(LogStream.STDERR).lines());
            }
            List<String> out = ui.output().tail(LogStream.STDOUT).lines();
            printed[0] = out.stream().filter(l -> l.startsWith("http://127.0.0.1:")).findFirst().orElse(null);
            return printed[0] != null;
        });
        return URI.create(printed[0]);
    }
}
