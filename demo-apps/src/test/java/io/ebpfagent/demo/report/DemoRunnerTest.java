package io.ebpfagent.demo.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class DemoRunnerTest {
    /** The /proc reading of the report's cross-check agrees with the JVM's own process CPU time. */
    @Test
    void processCpuFromProcMatchesTheJvm() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double before = os.getProcessCpuTime() / 1e9;
        double proc = DemoRunner.processCpuSeconds(ProcessHandle.current().pid());
        double after = os.getProcessCpuTime() / 1e9;
        // USER_HZ granularity: 10 ms per field
        assertThat(proc).isBetween(before - 0.03, after + 0.03);
        assertThat(proc).isPositive();
    }

    @Test
    void unknownProcessIsNaN() {
        assertThat(DemoRunner.processCpuSeconds(Long.MAX_VALUE)).isNaN();
    }
}
