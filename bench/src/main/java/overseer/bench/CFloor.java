package overseer.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The C posix_spawn + waitpid loop (floor.c), compiled with gcc at bench time and run as a subprocess
 * that times itself, so neither the JVM nor this harness is inside its figures.
 */
final class CFloor implements Contender {
    private final Path dir;
    private final Path binary;
    private final int warmup;

    private CFloor(Path dir, int warmup) {
        this.dir = dir;
        this.binary = dir.resolve("floor");
        this.warmup = warmup;
    }

    /** Compiles the loop; throws {@link Unavailable} with the reason when it cannot. */
    static CFloor compile(int warmup) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("overseer-floor");
        Path source = dir.resolve("floor.c");
        try (InputStream in = CFloor.class.getResourceAsStream("floor.c")) {
            Files.copy(in, source);
        }
        CFloor floor = new CFloor(dir, warmup);
        Result gcc;
        try {
            gcc = exec(List.of("gcc", "-O2", "-pthread", "-o", floor.binary.toString(), source.toString()));
        } catch (IOException e) {
            floor.close();
            throw new Unavailable("gcc cannot be run: " + e.getMessage());
        }
        if (gcc.code != 0) {
            floor.close();
            throw new Unavailable("gcc failed (exit " + gcc.code + "): " + gcc.output.strip());
        }
        return floor;
    }

    @Override
    public String name() {
        return "C posix_spawn";
    }

    /** Nothing to do here: every run is a fresh process that warms itself up first. */
    @Override
    public void warmUp(int spawns, int callers) {
    }

    @Override
    public Sample run(int spawns, int callers) throws IOException, InterruptedException {
        Result r = exec(List.of(binary.toString(), Integer.toString(spawns), Integer.toString(callers),
                Integer.toString(warmup)));
        if (r.code != 0) {
            throw new IllegalStateException("the C loop failed (exit " + r.code + "): " + r.output.strip());
        }
        String[] f = r.output.strip().split("\\s+");
        return new Sample(callers, Integer.parseInt(f[2]), Long.parseLong(f[0]), Long.parseLong(f[1]));
    }

    private record Result(int code, String output) {
    }

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(command.getFirst() + " did not finish in 10 minutes");
        }
        return new Result(p.exitValue(), out);
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // a leftover temp dir is harmless
        }
    }

    /** The C floor cannot be measured on this machine, and why. */
    static final class Unavailable extends IOException {
        Unavailable(String reason) {
            super(reason);
        }
    }
}
