package io.ebpfagent.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.agent.threads.NativeThreadId;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** procfs counters of this JVM's threads against what the JVM itself measures for one of them. */
class ProcTaskCountersTest {

    @Test
    void everyThreadOfThisProcessWithTheKernelsCountersOfThisOne() throws Exception {
        Assumptions.assumeTrue(NativeThreadId.available(), "FFM native access unavailable");
        int tid = NativeThreadId.current();
        var mx = ManagementFactory.getThreadMXBean();
        long cpuBefore = mx.getCurrentThreadCpuTime();
        byte[] fresh = new byte[8 << 20];
        for (int i = 0; i < fresh.length; i += 4096) {
            fresh[i] = 1;
        }
        Thread.sleep(5);
        ProcTaskCounters mine = ProcTaskCounters.read(tid);
        long cpuAfter = mx.getCurrentThreadCpuTime();

        assertThat(mine).isNotNull();
        assertThat(mine.tid()).isEqualTo(tid);
        // the same clock as the thread's CPU time (CLOCK_THREAD_CPUTIME_ID is sum_exec_runtime too)
        assertThat(mine.cpuNs()).isBetween(cpuBefore, cpuAfter);
        assertThat(mine.voluntarySwitches()).as("the sleep switched out").isPositive();
        assertThat(mine.minorFaults()).as("fresh pages touched").isGreaterThanOrEqualTo(1024);
        assertThat(mine.majorFaults()).isNotNegative();
        assertThat(mine.readBytes()).as("this JVM read its class path").isPositive();

        List<ProcTaskCounters> all = ProcTaskCounters.readAll();
        assertThat(all).extracting(ProcTaskCounters::tid).contains(tid, (int) ProcessHandle.current().pid());
        assertThat(ProcTaskCounters.read(Integer.MAX_VALUE)).as("no such thread").isNull();
    }
}
