package io.ebpfagent.otel;

import java.util.Locale;

/** Why a thread left the CPU, as the scheduler's switch tells it. */
public enum OffCpuReason {
    /** The thread blocked (sleep, lock, I/O): prev state was not TASK_RUNNING. */
    VOLUNTARY,
    /** The thread was preempted while runnable. */
    INVOLUNTARY,
    /** Not an off-CPU interval, or the probe did not say. */
    NONE;

    private final String value = name().toLowerCase(Locale.ROOT);

    /** The attribute value: {@code voluntary} or {@code involuntary}. */
    public String value() {
        return value;
    }
}
