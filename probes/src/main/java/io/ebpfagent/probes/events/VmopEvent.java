package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.JvmLayouts;

/** EV_VMOP: a VM operation (safepoint operations and others run by the VM thread). */
public final class VmopEvent extends EventView {
    public int mode() {
        return i32(JvmLayouts.VmopEvent.MODE);
    }

    /** The operation's name, e.g. "G1CollectForAllocation" (allocates). */
    public String name() {
        return string(JvmLayouts.VmopEvent.NAME, 64);
    }

    public int copyName(byte[] dst) {
        return copyString(JvmLayouts.VmopEvent.NAME, 64, dst);
    }
}
