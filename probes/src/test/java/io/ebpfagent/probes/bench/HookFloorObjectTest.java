package io.ebpfagent.probes.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ebpfagent.probes.KernelTests;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark-only {@code hook_floor.bpf.o} does what the floor benchmarks say it does: its
 * programs pass the process test for the target's switches and system calls only, and the clock
 * variant reads CLOCK_MONOTONIC. A floor program that never passed would measure less than the
 * least a probe does.
 */
class HookFloorObjectTest {
    private static final int PID = (int) ProcessHandle.current().pid();

    private static void getpid(int times) {
        for (int i = 0; i < times; i++) {
            KernelTests.getpid();
        }
    }

    @Test
    void systemCallProgramsCountTheTargetsCallsAndNoOtherProcesses() throws Exception {
        KernelTests.assumeRoot();
        try (KernelHooksHolder.Floor floor = new KernelHooksHolder.Floor(PID, List.of("floor_sys_enter", "floor_sys_exit"))) {
            getpid(1000);
            // entry and exit of each call, and this JVM's other calls meanwhile
            assertThat(floor.passed()).isGreaterThanOrEqualTo(2000);
        }
        // tgid 0 (the idle tasks) makes no system calls
        try (KernelHooksHolder.Floor floor = new KernelHooksHolder.Floor(0, List.of("floor_sys_enter", "floor_sys_exit"))) {
            getpid(1000);
            assertThat(floor.passed()).isZero();
        }
    }

    @Test
    void switchProgramsCountTheTargetsSwitchesAndTheClockVariantReadsTheMonotonicClock() throws Exception {
        KernelTests.assumeRoot();
        try (KernelHooksHolder.Floor floor = new KernelHooksHolder.Floor(PID, List.of("floor_switch"))) {
            long switches = PingPong.run(1000, (me, tid) -> { }, () -> { }, () -> { });
            assertThat(floor.passed()).isGreaterThanOrEqualTo(switches);
            assertThat(floor.lastClock()).isZero();
        }
        try (KernelHooksHolder.Floor floor = new KernelHooksHolder.Floor(PID, List.of("floor_switch_clock"))) {
            long before = System.nanoTime();
            long switches = PingPong.run(1000, (me, tid) -> { }, () -> { }, () -> { });
            assertThat(floor.passed()).isGreaterThanOrEqualTo(switches);
            // the JVM's other threads switch until the very read: the bound is taken after it
            long clock = floor.lastClock();
            assertThat(clock).isBetween(before, System.nanoTime());
        }
    }
}
