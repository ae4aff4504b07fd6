package io.ebpfagent.probes;

/** Receives the scheduler totals of one thread ({@code struct sched_stats}), all times in ns. */
@FunctionalInterface
public interface SchedStatsVisitor {
    /**
     * @param exited whether the thread exited; its entry is removed after this call
     */
    void accept(int tid, long oncpuNs, long offcpuVoluntaryNs, long offcpuInvoluntaryNs, long runqNs,
                long voluntarySwitches, long involuntarySwitches, long wakeups, long migrations, boolean exited);
}
