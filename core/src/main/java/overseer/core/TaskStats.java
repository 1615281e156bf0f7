package overseer.core;

import java.util.List;

/**
 * A task's resource use, the same shape whatever the cgroup version; -1 where the host cannot tell (a task
 * without a cgroup has no peak and no limit).
 *
 * @param cpuUsageNs          CPU time used by all processes of the task
 * @param cpuThrottledNs      time the task was held back by its CPU quota
 * @param cpuThrottledPeriods how many quota periods it was throttled in
 * @param memoryUsageBytes    memory charged now
 * @param memoryMaxUsageBytes peak memory charged since the task started or was last thawed (the same peak a
 *                            freeze reports for the cycle)
 * @param memoryLimitBytes    the limit, or -1 when unlimited
 * @param pids                processes and threads now in the task
 * @param oomKills            processes of the task killed by the OOM killer
 * @param processes           per-process figures from /proc
 */
public record TaskStats(long cpuUsageNs, long cpuThrottledNs, long cpuThrottledPeriods, long memoryUsageBytes,
                        long memoryMaxUsageBytes, long memoryLimitBytes, long pids, long oomKills,
                        List<ProcessStats> processes) {
    public TaskStats {
        processes = List.copyOf(processes);
    }
}
