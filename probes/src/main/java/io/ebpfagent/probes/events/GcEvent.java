package io.ebpfagent.probes.events;

import io.ebpfagent.probes.layout.JvmLayouts;

/** EV_GC: a collection from gc__begin to gc__end. */
public final class GcEvent extends EventView {
    /** Whether HotSpot flagged the collection as full. */
    public boolean full() {
        return u8(JvmLayouts.GcEvent.FULL) != 0;
    }
}
