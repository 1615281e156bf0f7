package overseer.bench;

import java.io.IOException;

/** The C posix_spawn + waitpid loop (floor.c) as a peer: the cost of spawning without any runtime. */
final class CFloor implements Contender {
    private final CProgram program;
    private final int warmup;

    private CFloor(CProgram program, int warmup) {
        this.program = program;
        this.warmup = warmup;
    }

    static CFloor compile(int warmup) throws IOException, InterruptedException {
        return new CFloor(CProgram.compile("floor"), warmup);
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
        String[] f = program.run(Integer.toString(spawns), Integer.toString(callers), Integer.toString(warmup))
                .strip().split("\\s+");
        return new Sample(callers, Integer.parseInt(f[2]), Long.parseLong(f[0]), Long.parseLong(f[1]));
    }

    @Override
    public void close() {
        program.close();
    }
}
