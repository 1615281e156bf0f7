package overseer.bench;

import overseer.linux.ProcStat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the machine was with work that is not this benchmark's: CPU time the whole machine spent
 * (/proc/stat) minus the time of this JVM and of every child it has reaped (/proc/self/stat utime, stime,
 * cutime, cstime; a reaped child's own reaped children are folded into its cutime). The machine is shared
 * with other builds, so every figure carries this share with it.
 */
record CpuMeter(long machineBusy, long machineTotal, long self) {
    static CpuMeter now() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < cpu.length; i++) {
                total += Long.parseLong(cpu[i]);
            }
            long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]); // idle + iowait
            return new CpuMeter(total - idle, total, ProcStat.selfCpuTicksWithReapedChildren());
        } catch (IOException | RuntimeException e) {
            return new CpuMeter(0, 0, 0);
        }
    }

    /** The share of all CPUs, in percent, that others used between {@code this} and {@code later}. */
    double foreignPercent(CpuMeter later) {
        long total = later.machineTotal - machineTotal;
        if (total <= 0) {
            return Double.NaN;
        }
        long foreign = (later.machineBusy - machineBusy) - (later.self - self);
        return Math.max(0, foreign) * 100.0 / total;
    }
}
