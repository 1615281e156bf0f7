package overseer.core;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Limits for every process of a task (Nomad's Limit, containerd's Update). Each is optional; an empty
 * one leaves the kernel's default. Applied through cgroup v2 where the controller lives there, else v1.
 *
 * @param cpus        CPU bandwidth in cores (0.5 = half a core), as a CFS quota over a 100 ms period
 * @param cpuWeight   relative CPU weight 1..10000 (cgroup v2 cpu.weight; v1 cpu.shares is derived)
 * @param memoryBytes memory limit
 * @param swapBytes   memory plus swap limit (docker's --memory-swap); at least memoryBytes
 * @param pidsLimit   maximum number of processes and threads
 * @param ioWeight    relative IO weight 1..10000 (v2 io.weight; v1 blkio.weight is derived)
 */
public record Resources(Optional<Double> cpus, OptionalInt cpuWeight, OptionalLong memoryBytes,
                        OptionalLong swapBytes, OptionalLong pidsLimit, OptionalInt ioWeight) {
    public static final Resources NONE = new Resources(Optional.empty(), OptionalInt.empty(), OptionalLong.empty(),
            OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty());
    public static final long MIN_MEMORY = 4L << 20;

    public Resources {
        cpus.ifPresent(c -> {
            if (!(c > 0) || c > 4096) {
                throw OverseerException.invalidField("resources.cpus", "%s is out of range (0, 4096]", c);
            }
        });
        cpuWeight.ifPresent(w -> range("resources.cpuWeight", w, 1, 10_000));
        memoryBytes.ifPresent(m -> {
            if (m < MIN_MEMORY) {
                throw OverseerException.invalidField("resources.memoryBytes", "%d is below the minimum of %d (4 MiB)",
                        m, MIN_MEMORY);
            }
        });
        if (swapBytes.isPresent()) {
            if (memoryBytes.isEmpty()) {
                throw OverseerException.invalidField("resources.swapBytes", "needs resources.memoryBytes too");
            }
            if (swapBytes.getAsLong() < memoryBytes.getAsLong()) {
                throw OverseerException.invalidField("resources.swapBytes", "%d is below resources.memoryBytes %d (it is memory plus swap)",
                        swapBytes.getAsLong(), memoryBytes.getAsLong());
            }
        }
        pidsLimit.ifPresent(p -> range("resources.pidsLimit", p, 1, 4_194_304));
        ioWeight.ifPresent(w -> range("resources.ioWeight", w, 1, 10_000));
    }

    private static void range(String field, long v, long min, long max) {
        if (v < min || v > max) {
            throw OverseerException.invalidField(field, "%d is out of range %d..%d", v, min, max);
        }
    }

    public boolean isEmpty() {
        return equals(NONE);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** These limits with every limit set in {@code update} replaced (containerd's Update merges). */
    public Resources merge(Resources update) {
        return new Resources(update.cpus.or(() -> cpus), update.cpuWeight.isPresent() ? update.cpuWeight : cpuWeight,
                update.memoryBytes.isPresent() ? update.memoryBytes : memoryBytes,
                update.swapBytes.isPresent() ? update.swapBytes : swapBytes,
                update.pidsLimit.isPresent() ? update.pidsLimit : pidsLimit,
                update.ioWeight.isPresent() ? update.ioWeight : ioWeight);
    }

    public static final class Builder {
        private Double cpus;
        private Integer cpuWeight;
        private Long memoryBytes;
        private Long swapBytes;
        private Long pidsLimit;
        private Integer ioWeight;

        public Builder cpus(double v) {
            cpus = v;
            return this;
        }

        public Builder cpuWeight(int v) {
            cpuWeight = v;
            return this;
        }

        public Builder memoryBytes(long v) {
            memoryBytes = v;
            return this;
        }

        public Builder swapBytes(long v) {
            swapBytes = v;
            return this;
        }

        public Builder pidsLimit(long v) {
            pidsLimit = v;
            return this;
        }

        public Builder ioWeight(int v) {
            ioWeight = v;
            return this;
        }

        public Resources build() {
            return new Resources(Optional.ofNullable(cpus),
                    cpuWeight == null ? OptionalInt.empty() : OptionalInt.of(cpuWeight),
                    memoryBytes == null ? OptionalLong.empty() : OptionalLong.of(memoryBytes),
                    swapBytes == null ? OptionalLong.empty() : OptionalLong.of(swapBytes),
                    pidsLimit == null ? OptionalLong.empty() : OptionalLong.of(pidsLimit),
                    ioWeight == null ? OptionalInt.empty() : OptionalInt.of(ioWeight));
        }
    }
}
