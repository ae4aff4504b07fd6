package io.ebpfagent.loader.link;

/**
 * A software sampling event for {@code BPF_PROG_TYPE_PERF_EVENT} programs.
 *
 * @param clock     {@link Clock#CPU_CLOCK} (wall time on CPU) or {@link Clock#TASK_CLOCK}
 * @param frequency samples per second per CPU
 * @param pid       only this process and, with {@code inherit}, its future threads; -1 for all
 * @param inherit   follow threads and children created after attaching
 * @param cookie    BPF cookie of every per-CPU link
 */
public record PerfEventSpec(Clock clock, long frequency, int pid, boolean inherit, long cookie) {

    /** Software clocks that work without a hardware PMU. */
    public enum Clock {
        CPU_CLOCK(0), TASK_CLOCK(1);

        private final long config;

        Clock(long config) {
            this.config = config;
        }

        public long config() {
            return config;
        }
    }

    /** {@code cpu-clock} at {@code frequency} Hz on every CPU for every process. */
    public static PerfEventSpec allProcesses(long frequency) {
        return new PerfEventSpec(Clock.CPU_CLOCK, frequency, -1, false, 0);
    }

    /** {@code task-clock} at {@code frequency} Hz for one process, inherited by new threads. */
    public static PerfEventSpec process(int pid, long frequency) {
        return new PerfEventSpec(Clock.TASK_CLOCK, frequency, pid, true, 0);
    }
}
