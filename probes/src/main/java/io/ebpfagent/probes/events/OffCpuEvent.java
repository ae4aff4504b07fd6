package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.SchedLayouts.OffcpuEvent;

/** EV_OFFCPU: the thread was off CPU for {@link #durationNs()} from {@link #startNs()} (switch-out). */
public final class OffCpuEvent extends EventView {
    public static final int VOLUNTARY = 1;
    public static final int INVOLUNTARY = 2;

    /** Part of the off-CPU time spent runnable on a run queue. */
    public long runqNs() {
        return i64(OffcpuEvent.RUNQ_NS);
    }

    /** {@link #VOLUNTARY} (blocked) or {@link #INVOLUNTARY} (preempted). */
    public int reason() {
        return i32(OffcpuEvent.REASON);
    }

    /** Raw task state at switch-out (1 interruptible, 2 uninterruptible, ...). */
    public int prevState() {
        return i32(OffcpuEvent.PREV_STATE);
    }

    /** Tid of the waker, 0 when unknown or preempted. */
    public int wakerTid() {
        return i32(OffcpuEvent.WAKER_TID);
    }

    /** User stack id in the sched object's {@code stacks} map, negative errno when none. */
    public int stackId() {
        return i32(OffcpuEvent.STACK_ID);
    }

    /** CPU the thread was switched in on. */
    public int cpu() {
        return i32(OffcpuEvent.CPU);
    }
}
