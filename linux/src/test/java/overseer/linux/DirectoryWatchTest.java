package overseer.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectoryWatchTest {
    @TempDir
    Path dir;
    private final DirectoryWatch watch = new DirectoryWatch("test-watch");
    private final LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();

    @AfterEach
    void close() {
        watch.close();
    }

    /**
     * What the callbacks reported until now: a poke runs after the events already queued, and a file's create and
     * its write may come in one read or in two, so a callback may run more than once.
     */
    private java.util.Set<String> flush() throws InterruptedException {
        String marker = "flushed-" + System.nanoTime();
        watch.poke(() -> seen.add(marker));
        java.util.Set<String> got = new java.util.HashSet<>();
        for (String s = take(); !s.equals(marker); s = take()) {
            got.add(s);
        }
        return got;
    }

    private String take() throws InterruptedException {
        String s = seen.poll(30, TimeUnit.SECONDS);
        assertThat(s).as("a callback within 30 s").isNotNull();
        return s;
    }

    @Test
    void aCreateAWriteAndARenameIntoTheDirectoryEachRunItsCallbacksOnTheWatchThread() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Path b = Files.createDirectory(dir.resolve("b"));
        watch.watch(() -> seen.add("one:" + Thread.currentThread().getName()), a, b);
        watch.watch(() -> seen.add("two"), b);

        Files.writeString(a.resolve("exit"), "");
        assertThat(flush()).containsExactly("one:test-watch");
        Files.writeString(b.resolve("log"), "x");
        assertThat(flush()).containsExactlyInAnyOrder("one:test-watch", "two");
        Path tmp = Files.writeString(dir.resolve("tmp"), "0");
        Files.move(tmp, a.resolve("status"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(flush()).containsExactly("one:test-watch");
        Files.writeString(dir.resolve("elsewhere"), "x");
        assertThat(flush()).isEmpty();
    }

    @Test
    void aCancelledCallbackRunsNoMoreButTheOthersOnTheSameDirectoryDo() throws Exception {
        Path d = Files.createDirectory(dir.resolve("d"));
        DirectoryWatch.Watched first = watch.watch(() -> seen.add("first"), d);
        DirectoryWatch.Watched second = watch.watch(() -> seen.add("second"), d);
        watch.cancel(first);

        Files.writeString(d.resolve("f"), "x");
        assertThat(flush()).containsExactly("second");
        watch.cancel(second);
        Files.writeString(d.resolve("g"), "x");
        assertThat(flush()).isEmpty();
    }

    @Test
    void aRemovedDirectoryIsForgottenAndItsCancelIsHarmless() throws Exception {
        Path d = Files.createDirectory(dir.resolve("gone"));
        DirectoryWatch.Watched w = watch.watch(() -> seen.add("gone"), d);
        Files.delete(d);
        flush();
        watch.cancel(w);

        Path again = Files.createDirectory(dir.resolve("again"));
        watch.watch(() -> seen.add("again"), again);
        Files.writeString(again.resolve("f"), "x");
        assertThat(flush()).containsExactly("again");
    }

    @Test
    void aDirectoryThatIsNotThereIsRefusedByNameAndNothingOfTheCallIsLeft() throws Exception {
        Path d = Files.createDirectory(dir.resolve("here"));
        Path missing = dir.resolve("missing");

        assertThatThrownBy(() -> watch.watch(() -> seen.add("half"), d, missing))
                .isInstanceOfSatisfying(OverseerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL);
                    assertThat(e.getMessage()).contains(missing.toString()).contains("ENOENT");
                });
        Files.writeString(d.resolve("f"), "x");
        assertThat(flush()).isEmpty();
    }
}
