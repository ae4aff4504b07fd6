package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.JvmLayouts;

/** EV_CLASS_LOADED. */
public final class ClassEvent extends EventView {
    /** ClassLoaderData address, 0 for the boot loader. */
    public long loaderId() {
        return i64(JvmLayouts.ClassEvent.LOADER_ID);
    }

    /** Whether the class came from the CDS archive. */
    public boolean shared() {
        return u8(JvmLayouts.ClassEvent.SHARED) != 0;
    }

    /** Internal form (allocates). */
    public String name() {
        return string(JvmLayouts.ClassEvent.NAME, 128);
    }

    public int copyName(byte[] dst) {
        return copyString(JvmLayouts.ClassEvent.NAME, 128, dst);
    }
}
