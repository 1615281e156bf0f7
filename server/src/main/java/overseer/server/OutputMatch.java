package overseer.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/** Whether a task's output file shows a line that matches: readiness and health by output. */
final class OutputMatch {
    private OutputMatch() {
    }

    /** Whether a line of {@code log} from byte {@code from} on matches {@code p} (false when there is no file). */
    static boolean appeared(Path log, long from, Pattern p) {
        if (!Files.exists(log)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            ch.position(Math.min(from, ch.size()));
            InputStream in = Channels.newInputStream(ch);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (p.matcher(line).find()) {
                    return true;
                }
            }
            return false;
        } catch (IOException unreadable) {
            return false;
        }
    }
}
