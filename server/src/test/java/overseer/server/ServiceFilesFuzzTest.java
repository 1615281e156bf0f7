package overseer.server;

import overseer.core.FuzzInvariant;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.io.TempDir;
import overseer.core.OverseerException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The service files of `overseer daemon --services DIR` (a slice file, extended) under a coverage-guided
 * fuzzer: each input is one file in a directory read as the daemon reads it; the only exception allowed is
 * a client's fault naming the file and field.
 */
class ServiceFilesFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "15s")
    void serviceFile(byte[] data) throws IOException {
        Files.write(dir.resolve("fuzz.yaml"), data);
        try {
            ServiceFiles.read(dir);
        } catch (OverseerException e) {
            FuzzInvariant.clientFault(e);
        }
    }
}
