package overseer.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * getrlimit through FFM reads what the kernel reports. (Raising is tested on a daemon of its own, under
 * prlimit, in DaemonFloodIT: this JVM's limits are the other tests' too.)
 */
class FileLimitTest {
    @Test
    void currentIsWhatProcReports() throws IOException {
        Matcher m = Pattern.compile("Max open files\\s+(\\S+)\\s+(\\S+)").matcher(Files.readString(Path.of("/proc/self/limits")));
        assertThat(m.find()).isTrue();
        FileLimit now = FileLimit.current();
        assertThat(now.toString()).isEqualTo(m.group(1) + "/" + m.group(2));
        assertThat(now.soft()).isLessThanOrEqualTo(now.hard());
    }
}
