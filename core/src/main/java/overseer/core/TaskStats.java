package overseer.core;

import java.util.List;

/**
 * A task's resource use, the same shape whatever the cgroup version.
 *
 * @param cpuUsageNs        CPU time used by all processes of the task
 * @param cpuThrottledNs    time the task was held back by its CPU quota
 * @param cpuThrottledPeriods how many quota periods it was throttled in
 * @param memoryUsageBytes  memory charged now
 * @param memoryMaxUsageBytes peak memory charged (v1 max_usage_in_bytes, v2 memory.peak where the kernel has it)
 * @param memoryLimitBytes  the limit, or -1 when unlimited
 * @param pids              processes and threads now in the task
 * @param oomKills          processes of the task killed by the OOM killer
 * @param processes         per-process figures from /proc
 */
public record TaskStats(long cpuUsageNs, long cpuThrottledNs, long cpuThrottledPeriods, long memoryUsageBytes,
                        long memoryMaxUsageBytes, long memoryLimitBytes, long pids, long oomKills,
                        List<ProcessStats> processes) {
    public TaskStats {
        processes = List.copyOf(processes);
    }
}
