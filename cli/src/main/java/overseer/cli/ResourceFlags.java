package overseer.cli;

import overseer.core.OverseerException;
import overseer.core.Resources;
import picocli.CommandLine.Option;

import java.util.Map;

/** docker run's resource flags, turned into {@link Resources}; a bad value is an error naming its flag. */
final class ResourceFlags {
    /** The field names Resources reports in its errors, and the flag each comes from. */
    private static final Map<String, String> FLAGS = Map.of("resources.memoryBytes", "--memory",
            "resources.swapBytes", "--memory-swap", "resources.cpus", "--cpus", "resources.cpuWeight", "--cpu-weight",
            "resources.pidsLimit", "--pids-limit", "resources.ioWeight", "--io-weight");

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", description = "Memory limit (b, k, m, g), e.g. 64m.")
    String memory;

    @Option(names = "--memory-swap", paramLabel = "SIZE",
            description = "Memory plus swap limit (needs --memory); -1 for unlimited swap.")
    String memorySwap;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU bandwidth in cores, e.g. 0.5.")
    Double cpus;

    @Option(names = "--cpu-weight", paramLabel = "N", description = "Relative CPU weight, 1..10000 (default 100).")
    Integer cpuWeight;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes and threads.")
    Long pidsLimit;

    @Option(names = "--io-weight", paramLabel = "N", description = "Relative IO weight, 1..10000.")
    Integer ioWeight;

    Resources resources() {
        Resources.Builder b = Resources.builder();
        if (memory != null) {
            b.memoryBytes(overseer.core.Sizes.parse("--memory", memory));
        }
        if (memorySwap != null && !memorySwap.strip().equals("-1")) {
            if (memory == null) {
                throw OverseerException.invalidField("--memory-swap", "needs --memory too");
            }
            b.swapBytes(overseer.core.Sizes.parse("--memory-swap", memorySwap));
        }
        if (cpus != null) {
            b.cpus(cpus);
        }
        if (cpuWeight != null) {
            b.cpuWeight(cpuWeight);
        }
        if (pidsLimit != null) {
            b.pidsLimit(pidsLimit);
        }
        if (ioWeight != null) {
            b.ioWeight(ioWeight);
        }
        try {
            return b.build();
        } catch (OverseerException e) {
            throw renamed(e);
        }
    }

    /**
     * An error about resources.memoryBytes is told as one about --memory: the user typed a flag, not a field.
     * A detail that compares with another limit names that one by its flag too.
     */
    static OverseerException renamed(OverseerException e) {
        String flag = e.field().map(FLAGS::get).orElse(null);
        if (flag == null) {
            return e;
        }
        String detail = e.detail();
        for (Map.Entry<String, String> g : FLAGS.entrySet()) {
            detail = detail.replace(g.getKey(), g.getValue());
        }
        return new OverseerException(e.kind(), e.reason(), flag, detail, e);
    }
}
