package overseer.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.internal.KubeLogFormat;
import overseer.core.LogStream;
import overseer.core.ProcessOutput;
import overseer.core.ProcessSpec;
import overseer.core.Redirect;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

/** conmon's k8s-file log read back into the bytes the process wrote, whatever the read boundaries. */
class ConmonLogTest {
    private static final String T = "2026-11-23T14:17:14.358400869+00:00 ";

    @Test
    void fullAndPartialLinesGiveBackTheBytes(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("ctr.log");
        ProcessSpec spec = ProcessSpec.builder("/bin/true").captureOutput().build();
        ProcessOutput out = new ProcessOutput(spec);
        ConmonLog reader = new ConmonLog(log, spec, out, false);

        append(log, T + "stdout F one\n" + T + "stdout F tw");
        reader.pump(); // a line cut where conmon's write ended is kept until its end arrives
        append(log, "o\n" + T + "stderr F oops\n" + T + "stdout F three\n" + T + "stdout P tail\n");
        reader.finish();

        assertThat(out.drained()).isCompleted();
        assertThat(out.tail(LogStream.STDOUT).lines()).containsExactly("one", "two", "three", "tail");
        assertThat(out.tail(LogStream.STDOUT).records().getLast().partial()).isTrue();
        assertThat(out.tail(LogStream.STDERR).lines()).containsExactly("oops");
    }

    @Test
    void theLinesAreTheFormatKubeLogFormatReads(@TempDir Path dir) {
        var r = KubeLogFormat.parse(T + "stderr F oops");
        assertThat(r.stream()).isEqualTo(LogStream.STDERR);
        assertThat(r.text()).isEqualTo("oops");
    }

    @Test
    void outputCanGoToAFile(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("ctr.log");
        Path file = dir.resolve("out.txt");
        ProcessSpec spec = ProcessSpec.builder("/bin/true").stdout(Redirect.file(file)).stderr(Redirect.STDOUT).build();
        ConmonLog reader = new ConmonLog(log, spec, new ProcessOutput(spec), false);

        append(log, T + "stdout F a\n" + T + "stderr F b\n" + T + "stdout P c\n");
        reader.finish();

        assertThat(file).hasContent("a\nb\nc");
    }

    @Test
    void aResumedReaderCopiesNothingTwice(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("ctr.log");
        Path out = dir.resolve("t.out");
        Path err = dir.resolve("t.err");
        Files.writeString(out, "an earlier run\n");
        ProcessSpec spec = ProcessSpec.builder("/bin/true").stdout(Redirect.append(out)).stderr(Redirect.append(err)).build();
        ConmonLog first = new ConmonLog(log, spec, new ProcessOutput(spec), false);
        append(log, T + "stdout F one\n" + T + "stderr F oops\n" + T + "stdout F tw");
        first.pump(); // then the Overseer that read it is killed
        append(log, "o\n" + T + "stdout F three\n");

        ConmonLog resumed = new ConmonLog(log, spec, new ProcessOutput(spec), true);
        resumed.finish();

        assertThat(out).hasContent("an earlier run\none\ntwo\nthree");
        assertThat(err).hasContent("oops");
    }

    private static void append(Path log, String s) throws Exception {
        Files.writeString(log, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
