package overseer.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A C floor program shipped as a resource, compiled with {@code gcc -O2} into a temp dir at bench time and
 * run as a subprocess that times itself, so neither the JVM nor this harness is inside its figures.
 */
final class CProgram implements AutoCloseable {
    private final Path dir;
    private final Path binary;

    private CProgram(Path dir, Path binary) {
        this.dir = dir;
        this.binary = binary;
    }

    /** Compiles {@code <name>.c}; throws {@link Unavailable} with the reason when that cannot be done here. */
    static CProgram compile(String name) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("overseer-" + name);
        CProgram program = new CProgram(dir, dir.resolve(name));
        Path source = dir.resolve(name + ".c");
        try (InputStream in = CProgram.class.getResourceAsStream(name + ".c");
             InputStream timing = CProgram.class.getResourceAsStream("timing.h")) {
            Files.copy(in, source);
            Files.copy(timing, dir.resolve("timing.h")); // what the floors share, included from beside them
        }
        Result gcc;
        try {
            gcc = exec(List.of("gcc", "-O2", "-pthread", "-o", program.binary.toString(), source.toString()));
        } catch (IOException e) {
            program.close();
            throw new Unavailable("gcc cannot be run: " + e.getMessage());
        }
        if (gcc.code() != 0) {
            program.close();
            throw new Unavailable("gcc failed (exit " + gcc.code() + "): " + gcc.output().strip());
        }
        return program;
    }

    /** Runs the program and returns its standard output; a non-zero exit is an error. */
    String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        Result r = exec(command);
        if (r.code() != 0) {
            throw new IllegalStateException(binary.getFileName() + " failed (exit " + r.code() + "): "
                    + r.output().strip());
        }
        return r.output();
    }

    private record Result(int code, String output) {
    }

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        // stderr goes to a file rather than a second pipe: one reader, and no pump thread in the JVM.
        Path err = Files.createTempFile("overseer-cprogram", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(command.getFirst() + " did not finish in 10 minutes");
            }
            return new Result(p.exitValue(), p.exitValue() == 0 ? out : Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
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

    /** The program cannot be built on this machine, and why. */
    static final class Unavailable extends IOException {
        Unavailable(String reason) {
            super(reason);
        }
    }
}
