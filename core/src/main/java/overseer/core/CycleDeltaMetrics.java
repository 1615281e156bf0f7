package overseer.core;

/**
 * Lambda's CycleDeltaMetrics: what a task consumed in one cycle, from its start or last thaw to a freeze
 * or stop, read from its cgroup.
 *
 * @param domainCpuRunNs            CPU time used by the task's processes (cpuacct.usage / cpu.stat usage_usec)
 * @param domainRunNs               wall-clock length of the cycle
 * @param domainMaxMemoryUsageBytes peak memory use in the cycle
 * @param idleCpuRunNs              CPU time the task could have used but did not: the cycle's length times the
 *                                  cores it may use, minus the CPU it used (never negative)
 */
public record CycleDeltaMetrics(long domainCpuRunNs, long domainRunNs, long domainMaxMemoryUsageBytes, long idleCpuRunNs) {
}
