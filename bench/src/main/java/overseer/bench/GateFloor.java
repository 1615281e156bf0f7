package overseer.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What a gate costs a spawn, in C and interleaved: /bin/true behind overseer-gate (the linux module's build of
 * src/main/c/gate.c, taken from its jar), behind the /bin/sh gate, and with none. See docs/benchmarks.md §18.
 *
 * <pre>bench/run.sh probe gate [ROUNDS] [PER-ROUND]</pre>
 */
public final class GateFloor {
    private GateFloor() {
    }

    public static void main(String[] args) throws Exception {
        String rounds = args.length > 0 ? args[0] : "20";
        String per = args.length > 1 ? args[1] : "50";
        System.out.println("GateFloor: " + Machine.now().describe());
        String resource = "gate-" + System.getProperty("os.arch");
        Path dir = Files.createTempDirectory("overseer-gatefloor");
        Path gate = dir.resolve("overseer-gate");
        try (InputStream in = Class.forName("overseer.linux.NativeRuntime").getResourceAsStream(resource);
             CProgram c = CProgram.compile("gatefloor")) {
            if (in == null) {
                System.out.println("the linux module was built without " + resource + " (no C compiler): nothing to compare");
                return;
            }
            Files.copy(in, gate);
            Files.setPosixFilePermissions(gate, PosixFilePermissions.fromString("rwx------"));
            System.out.print(c.run(gate.toString(), rounds, per));
        } finally {
            Files.deleteIfExists(gate);
            Files.deleteIfExists(dir);
        }
    }
}
